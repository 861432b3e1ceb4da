import { createWindowVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, Show, untrack } from "solid-js";
import { MessageView } from "./MessageView";
import { useShare } from "./share-context";

/** Height (px) of the sticky bar over the page: rows scrolled to are placed under it. */
const TOP_BAR_PX = 52;

/** The top of what the reader sees, from the window's top: under the top bar, with a little slack (px). */
const FOLD_PX = TOP_BAR_PX + 16;

/** The reader counts as "at the latest" within this many px of the bottom. */
const BOTTOM_SLACK_PX = 80;

/** What the timeline offers its page: moving around it, and where the reader is. */
export interface TimelineApi {
  /** Scrolls to a message or part id (`msg_…`, `prt_…`) and marks it; false when the id is not in the share. */
  goTo: (id: string) => boolean;
  /** Scrolls to the end and follows new content from then on. */
  goToLatest: () => void;
}

/** Whether the window is scrolled to (near) the end of the document. */
function atBottom(): boolean {
  return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - BOTTOM_SLACK_PX;
}

/**
 * The conversation: one row per message, virtualized over the window's scroll (`@tanstack/solid-virtual`, rows
 * measured as they render), so a share of 20,000 parts keeps a few dozen rows in the DOM.
 *
 * Live updates never move what the reader is looking at: while the reader is away from the end, the row at the top
 * of the viewport stays where it is when rows are inserted above it or anything above changes size; at the end, the
 * view follows new content. `above` is the element above the list (its size changes move the list).
 */
export function Timeline(props: {
  above: () => HTMLElement | undefined;
  ref?: (api: TimelineApi) => void;
  onActiveMessage?: (index: number) => void;
  onFollowChange?: (following: boolean, unseen: number) => void;
}) {
  const share = useShare();
  const ids = () => share.store.messageIds();
  let following = false;
  let unseenFrom = 0;
  let list!: HTMLDivElement;
  const [margin, setMargin] = createSignal(0);

  /** A rough height before a row is measured: by role and number of parts, to keep the scrollbar honest. */
  const estimate = (list: readonly string[]) => (index: number) => {
    const parts = untrack(() => share.store.partKeys(list[index] ?? "").length);
    return parts <= 1 ? 96 : 56 + Math.min(parts - 2, 12) * 72;
  };

  const virtualizer = createWindowVirtualizer({
    get count() {
      return ids().length;
    },
    // New functions when the ids change, so the virtualizer re-keys its measurements (it compares by identity).
    get getItemKey() {
      const list = ids();
      return (index: number) => list[index] ?? index;
    },
    get estimateSize() {
      return estimate(ids());
    },
    get scrollMargin() {
      return margin();
    },
    overscan: 6,
    scrollPaddingStart: TOP_BAR_PX + 8,
  });
  // A row that changes size while it lies wholly above what the reader sees (under the top bar) moves the window by
  // as much, so the content in view stays put. (The library's default counts the area under the top bar as visible,
  // and skips corrections while scrolling up.) While following the end, nothing is corrected.
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = (item) => !following && item.end <= window.scrollY + FOLD_PX;

  const items = () => virtualizer.getVirtualItems();

  // Where the list starts in the document: follows everything above it (header, tabs) as it grows.
  const measureMargin = () => setMargin(Math.round(list.getBoundingClientRect().top + window.scrollY));

  /** The message at the top of what the reader sees, and where its top edge was in the viewport (px). */
  let anchor: { id: string; top: number } | undefined;
  /** Frames left in which the anchor is put back after a change (while > 0, scrolling does not move the anchor). */
  let settling = 0;

  const rememberAnchor = () => {
    for (const row of list.querySelectorAll<HTMLElement>("[data-message-id]")) {
      const rect = row.getBoundingClientRect();
      if (rect.bottom > FOLD_PX) {
        anchor = { id: row.dataset.messageId!, top: rect.top };
        return;
      }
    }
    anchor = undefined;
  };

  /**
   * Puts the anchored message back where the reader saw it, measured in the DOM, over the next few frames (rows
   * render and are measured a frame or two after the data changes). The virtualizer already corrects for rows that
   * change size above the fold; this also covers rows inserted above it and anything it could not foresee.
   */
  const holdPlace = () => {
    if (following || !anchor) return;
    const start = settling === 0;
    settling = 4;
    if (!start) return;
    const step = () => {
      const element = anchor && !following ? document.getElementById(anchor.id) : null;
      if (element && anchor) {
        const drift = element.getBoundingClientRect().top - anchor.top;
        if (Math.abs(drift) >= 0.5) window.scrollBy({ top: drift, behavior: "instant" });
      }
      settling--;
      if (settling > 0) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  };

  const report = () => props.onFollowChange?.(following, following ? 0 : Math.max(0, ids().length - unseenFrom));

  const scrollToEnd = () => window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });

  let frame = 0;
  const onScroll = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const bottom = atBottom();
      activeRow();
      // While the place is being held, scroll events are the page's own corrections, not the reader moving.
      if (settling > 0) return;
      if (bottom !== following) {
        following = bottom;
        if (!following) unseenFrom = ids().length;
        report();
      }
      rememberAnchor();
    });
  };

  /** Reports the last row whose top has passed under the top bar (the index drives the turn index's highlight). */
  const activeRow = () => {
    const top = window.scrollY + TOP_BAR_PX + 16;
    const visible = items();
    let index = visible[0]?.index ?? 0;
    for (const item of visible) if (item.start <= top) index = item.index;
    props.onActiveMessage?.(index);
  };

  onMount(() => {
    measureMargin();
    const above = props.above();
    const resize = new ResizeObserver(() => {
      measureMargin();
      holdPlace();
    });
    if (above) resize.observe(above);
    window.addEventListener("scroll", onScroll, { passive: true });
    // Follow from the start when everything fits on one screen (a share opened as it begins).
    requestAnimationFrame(() => {
      following = document.documentElement.scrollHeight <= window.innerHeight + 4;
      unseenFrom = ids().length;
      rememberAnchor();
      activeRow();
      report();
    });
    onCleanup(() => {
      resize.disconnect();
      window.removeEventListener("scroll", onScroll);
      cancelAnimationFrame(frame);
    });
  });

  // New or reordered messages: keep the reader's row in place, or follow to the end.
  createEffect(
    on(
      ids,
      () => {
        if (following) requestAnimationFrame(scrollToEnd);
        else {
          holdPlace();
          report();
        }
      },
      { defer: true },
    ),
  );
  // Rows growing at the end (streamed output, a tool finishing) while following.
  createEffect(
    on(
      () => virtualizer.getTotalSize(),
      () => {
        if (following) requestAnimationFrame(scrollToEnd);
        else holdPlace();
      },
      { defer: true },
    ),
  );

  /** Bumped by every navigation, so an older one still settling stops moving the page. */
  let navigation = 0;

  /** Scrolls to row `index`, then to the element `id` inside it once it has rendered, and marks it. */
  const goTo = (id: string): boolean => {
    const messageId = ids().includes(id) ? id : share.store.messageOfPart(id);
    if (!messageId) return false;
    const index = ids().indexOf(messageId);
    const ticket = ++navigation;
    following = false;
    // The reader is going elsewhere: the old place is not to be held (the new one is taken once there).
    anchor = undefined;
    virtualizer.scrollToIndex(index, { align: "start" });
    // The row renders on the next frames; then the element itself (a part deep inside a long message).
    let tries = 0;
    const settle = () => {
      if (ticket !== navigation) return;
      const element = document.getElementById(id);
      if (element) {
        for (const marked of document.querySelectorAll(".is-target")) marked.classList.remove("is-target");
        element.classList.add("is-target");
        element.scrollIntoView({ block: "start", behavior: "instant" });
        rememberAnchor();
        report();
      }
      if (!element || ++tries < 3) requestAnimationFrame(() => setTimeout(settle, 30));
    };
    requestAnimationFrame(settle);
    return true;
  };

  const goToLatest = () => {
    navigation++;
    following = true;
    report();
    // Through the virtualizer first, which ends any scroll-to-row it is still settling; then the document's end,
    // again once the rows there have rendered and been measured (following keeps it so).
    virtualizer.scrollToOffset(virtualizer.getTotalSize() + margin());
    requestAnimationFrame(scrollToEnd);
  };

  props.ref?.({ goTo, goToLatest });

  const top = createMemo(() => (items()[0]?.start ?? margin()) - margin());

  return (
    <div ref={list} class="timeline" style={{ height: `${virtualizer.getTotalSize()}px` }} data-testid="timeline">
      <div class="timeline-window" style={{ transform: `translateY(${top()}px)` }}>
        <For each={items()}>
          {(item) => (
            <div
              class="row"
              data-index={item.index}
              ref={(element) => queueMicrotask(() => element.isConnected && virtualizer.measureElement(element))}
            >
              <Show when={ids()[item.index]} keyed>
                {(id) => (
                  <MessageView id={id} previousId={ids()[item.index - 1]} last={item.index === ids().length - 1} />
                )}
              </Show>
            </div>
          )}
        </For>
      </div>
    </div>
  );
}
