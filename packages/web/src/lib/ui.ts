/** Small page-wide helpers: reader preferences kept in localStorage, the clipboard, and a polite status toast. */
import { type Accessor, createRoot, createSelector, createSignal } from "solid-js";

/** Reads a preference saved by {@link persisted}; `fallback` when absent, unreadable or not one of `allowed`. */
function readPreference<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = localStorage.getItem(key);
    return allowed.includes(value as T) ? (value as T) : fallback;
  } catch {
    return fallback;
  }
}

/** A signal whose value survives reloads (localStorage key `shareroom:<key>`); storage errors are ignored. */
function persisted<T extends string>(key: string, allowed: readonly T[], fallback: T) {
  const storageKey = `shareroom:${key}`;
  const [value, setValue] = createSignal<T>(readPreference(storageKey, allowed, fallback));
  const set = (next: T) => {
    setValue(() => next);
    try {
      localStorage.setItem(storageKey, next);
    } catch {
      // Private mode or storage disabled: the choice lasts for this page only.
    }
  };
  return [value, set] as const;
}

/** How diffs are laid out: one column, or old and new side by side (wide screens only). */
export const [diffMode, setDiffMode] = persisted("diff-mode", ["unified", "split"] as const, "unified");

/** Whether each step's tokens and cost are shown under it (off: they stay in the message header's tooltip). */
export const [showSteps, setShowSteps] = persisted("show-steps", ["on", "off"] as const, "off");

/**
 * The message or part id the reader last navigated to (deep link, find, turn index), marked `is-target` by its own
 * view. A signal, not a class set on an element: the mark must survive the row re-rendering and the row being
 * virtualized away and back, as happens while older segments are applied above it.
 */
export const [targetId, setTargetId] = createSignal<string>();

/**
 * Whether `id` is {@link targetId}: a selector, so a new target re-runs the check of the row losing the mark and the
 * row gaining it only, not of every rendered row. Owned by a root of its own, as it lives as long as the page.
 */
export const isTarget = createRoot(() => createSelector(targetId));

const [toastText, setToastText] = createSignal("");
let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** The current toast message ("" when none); shown in an `aria-live` region. */
export { toastText };

/** Shows `text` briefly in the toast (and tells screen readers). */
export function toast(text: string): void {
  setToastText(text);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => setToastText(""), 2400);
}

/**
 * Puts text on the clipboard. `text` may be a promise (built after the click), which the async clipboard API
 * accepts through `ClipboardItem` without losing the click's permission. Resolves to whether it worked.
 */
export async function copyText(text: string | Promise<string>): Promise<boolean> {
  try {
    if (typeof text !== "string" && typeof ClipboardItem !== "undefined" && navigator.clipboard?.write) {
      const blob = text.then((value) => new Blob([value], { type: "text/plain" }));
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
      return true;
    }
    await navigator.clipboard.writeText(await text);
    return true;
  } catch {
    return false;
  }
}

/** Saves `text` as a file named `name` through a temporary object URL (no server round trip). */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Makes `#<id>` the page's fragment without scrolling or adding a history entry, and returns the full URL. */
export function linkTo(id: string): string {
  const url = new URL(location.href);
  url.hash = id;
  history.replaceState(history.state, "", url);
  return url.toString();
}

/** True when a key press belongs to a field or a control, not to the page's shortcuts. */
export function typingIn(target: EventTarget | null): boolean {
  const element = target as HTMLElement | null;
  return !!element && (element.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
}

let clock: Accessor<number> | undefined;

/**
 * The current time (Unix ms), refreshed every 30 s: relative times and the running/ended state age with it. One
 * clock for the whole page, started on first use.
 */
export function minuteClock(): Accessor<number> {
  if (!clock) {
    const [now, setNow] = createSignal(Date.now());
    setInterval(() => setNow(Date.now()), 30_000);
    clock = now;
  }
  return clock;
}
