/**
 * Keyboard access to regions that scroll sideways (code, diffs, wide tables): such a region takes focus (Tab reaches
 * it, arrow keys then scroll it) and has a name, as WCAG 2.1.1 asks
 * (https://www.w3.org/WAI/WCAG22/Understanding/keyboard.html; axe-core rule `scrollable-region-focusable`). Only
 * while it overflows, so blocks that fit add no tab stops.
 */

const labels = new WeakMap<Element, string>();

/** One observer for every region: fires once when observed and again whenever a region's box changes size. */
let observer: ResizeObserver | undefined;

function update(element: HTMLElement): void {
  const scrolls = element.scrollWidth > element.clientWidth + 1;
  if (scrolls === element.hasAttribute("tabindex")) return;
  if (scrolls) {
    element.tabIndex = 0;
    element.setAttribute("role", "group");
    element.setAttribute("aria-label", labels.get(element) ?? "Scrolling region");
  } else {
    element.removeAttribute("tabindex");
    element.removeAttribute("role");
    element.removeAttribute("aria-label");
  }
}

/**
 * Makes `element` focusable and named `label` whenever its content is wider than it is (a `ref` callback's job:
 * `ref={(el) => focusableWhenScrolling(el, "Code")}`). Observation ends by itself when the element is collected.
 */
export function focusableWhenScrolling(element: HTMLElement, label: string): void {
  labels.set(element, label);
  observer ??= new ResizeObserver((entries) => {
    for (const entry of entries) update(entry.target as HTMLElement);
  });
  observer.observe(element);
}
