import { createSignal, type JSX, Show } from "solid-js";

/**
 * Shows its children cut to about `lines` lines with a "Show all" toggle when `total` (their line count) is larger
 * or `long` is set. The content stays in the DOM either way (cut by CSS), so find-in-page and tests see all of it.
 */
export function Clamp(props: { total: number; lines?: number; long?: boolean; children: JSX.Element }) {
  const [open, setOpen] = createSignal(false);
  const limit = () => props.lines ?? 14;
  const clamped = () => props.total > limit() + 2 || props.long === true;
  return (
    <div class="clamp" classList={{ "is-clamped": clamped() && !open() }} style={{ "--clamp-lines": limit() }}>
      <div class="clamp-body">{props.children}</div>
      <Show when={clamped()}>
        <button type="button" class="clamp-toggle" aria-expanded={open()} onClick={() => setOpen(!open())}>
          {open() ? "Show less" : props.total > limit() + 2 ? `Show all ${props.total} lines` : "Show all"}
        </button>
      </Show>
    </div>
  );
}
