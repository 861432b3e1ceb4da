import { createSignal, type JSX, Show } from "solid-js";

/**
 * Shows its children cut to about `lines` lines with a "Show all" toggle when `total` (their line count) is larger
 * or `long` is set. Content is cut by CSS and stays in the DOM, so find-in-page and tests see all of it, except when
 * `cut` is set: then the children themselves hold only the start of a text too large to lay out at once, and
 * `onToggle(true)` ("Show all") asks the owner to render the rest. While cut, the root carries `data-cut` (find
 * opens such blocks to reach a match in the part not rendered).
 */
export function Clamp(props: {
  total: number;
  lines?: number;
  long?: boolean;
  cut?: boolean;
  onToggle?: (open: boolean) => void;
  children: JSX.Element;
}) {
  const [open, setOpen] = createSignal(false);
  const limit = () => props.lines ?? 14;
  const clamped = () => props.total > limit() + 2 || props.long === true || props.cut === true;
  const toggle = () => {
    const next = !open();
    setOpen(next);
    props.onToggle?.(next);
  };
  return (
    <div
      class="clamp"
      classList={{ "is-clamped": clamped() && !open() }}
      style={{ "--clamp-lines": limit() }}
      data-cut={props.cut && !open() ? "" : undefined}
    >
      <div class="clamp-body">{props.children}</div>
      <Show when={clamped()}>
        <button type="button" class="clamp-toggle" aria-expanded={open()} onClick={toggle}>
          {open() ? "Show less" : props.total > limit() + 2 ? `Show all ${props.total} lines` : "Show all"}
        </button>
      </Show>
    </div>
  );
}
