import { createWindowVirtualizer } from "@tanstack/solid-virtual";
import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, untrack } from "solid-js";
import { sameIds } from "../lib/share-store";
import { setTargetId, typingIn } from "../lib/ui";
import { MessageView } from "./MessageView";
import { useShare } from "./share-context";

/** Height (px) of the sticky bar over the page: rows scrolled to are placed under it. */
const TOP_BAR_PX = 52;

/** The top of what the reader sees, from the window's top: under the top bar, with a little slack (px). */
const FOLD_PX = TOP_BAR_PX + 16;

/** The reader counts as "at the latest" within this many px of the bottom. */
const BOTTOM_SLACK_PX = 80;

/** After a wheel, key, touch or scrollbar input, scrolling counts as the reader's own for this long (ms)... */
const INPUT_GRACE_MS = 300;
/** ...and for as long after that as scroll events keep coming less than this far apart (ms): a smooth scroll's frames. */
const SCROLL_CHAIN_MS = 150;

/** Keys that scroll the window (and so belong to the reader), when pressed outside a field. */
const SCROLL_KEYS = new Set(["PageUp", "PageDown", "Home", "End", "ArrowUp", "ArrowDown", " ", "Spacebar"]);
/** Of those, the keys that move up, away from the latest: they end following at once. */
const UP_KEYS = new Set(["PageUp", "Home", "ArrowUp"]);

/** What can take keyboard focus inside a row (to find the focused element again when its row remounts). */
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

/** What the timeline offers its page: moving around it, and where the reader is. */
export interface TimelineApi {
  /**
   * Scrolls to a message or part id (`msg_…`, `prt_…`) and marks it; false when the id is not in the share.
   * `shown` is called with the element once it has rendered and the scrolling has settled.
   */
  goTo: (id: string, shown?: (element: HTMLElement) => void) => boolean;
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
 * view follows new content. Scrolling belongs to the reader: during and right after a wheel, key, touch or scrollbar
 * input nothing is corrected (a correction would cut short the browser's smooth scroll), and such input away from
 * the end stops following before a queued scroll to the end can run. `above` is the element above the list (its
 * size changes move the list).
 *
 * Keyboard focus survives virtualization: when the row holding the focused element unmounts, focus moves to the
 * list itself (not to `<body>`, where Tab would start over at the top) and back to the element when its row returns.
 */
export function Timeline(props: {
  above: () => HTMLElement | undefined;
  ref?: (api: TimelineApi) => void;
  onActiveMessage?: (index: number) => void;
  /** Whether the view follows the end; messages that arrived below since it stopped; far: over 2 screens from the end. */
  onFollowChange?: (following: boolean, unseen: number, far: boolean) => void;
  /** The reader's own scroll input (wheel, scroll key, touch, a press on the scrollbar), as it happens. */
  onReaderInput?: () => void;
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
  virtualizer.shouldAdjustScrollPositionOnItemSizeChange = (item) =>
    !following && !readerScrolling() && item.end <= window.scrollY + FOLD_PX;

  const items = () => virtualizer.getVirtualItems();

  /** The focused element inside the list, as its message id and its position among the row's focusables. */
  let focused: { messageId: string; nth: number; element: Element } | undefined;

  const onFocusIn = (event: FocusEvent) => {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLElement>("[data-message-id]");
    if (target === list || !row) return;
    focused = {
      messageId: row.dataset.messageId!,
      nth: [...row.querySelectorAll(FOCUSABLE)].indexOf(target),
      element: target,
    };
  };

  /** Focus lost with its row (virtualized away): park it on the list, not on `<body>`. */
  const parkFocus = () => {
    if (!focused || focused.element.isConnected) return;
    const active = document.activeElement;
    if (active === null || active === document.body) list.focus({ preventScroll: true });
  };

  /** A row came back: if focus is parked on the list for an element of this row, put it back there. */
  const restoreFocus = (row: HTMLElement) => {
    if (!focused || document.activeElement !== list) return;
    const message = row.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(focused.messageId)}"]`);
    if (!message) return;
    const element = focused.nth >= 0 ? message.querySelectorAll<HTMLElement>(FOCUSABLE)[focused.nth] : undefined;
    (element ?? message).focus({ preventScroll: true });
  };

  // Where the list starts in the document: follows everything above it (header, tabs) as it grows.
  const measureMargin = () => setMargin(Math.round(list.getBoundingClientRect().top + window.scrollY));

  /** The part (else message) at the top of what the reader sees, and where its top edge was in the viewport (px). */
  let anchor: { id: string; top: number } | undefined;
  /** Frames left in which the anchor is put back after a change (while > 0, scrolling does not move the anchor). */
  let settling = 0;

  /** Until when (performance.now() ms) scrolling is the reader's own; Infinity while the scrollbar is held. */
  let readerUntil = 0;
  const readerScrolling = () => performance.now() < readerUntil;

  /** A wheel, key, touch or scrollbar input: the scrolling that follows is the reader's. */
  const readerInput = (away: boolean) => {
    props.onReaderInput?.();
    readerUntil = Math.max(readerUntil, performance.now() + INPUT_GRACE_MS);
    // Nothing of the page's own is to move the window now: a place being held is dropped (taken anew afterwards).
    settling = 0;
    if (away && following) {
      following = false;
      unseenFrom = ids().length;
      report();
    }
  };

  const rememberAnchor = () => {
    for (const row of list.querySelectorAll<HTMLElement>("[data-message-id]")) {
      const rect = row.getBoundingClientRect();
      if (rect.bottom <= FOLD_PX) continue;
      // The part being read, rather than its whole message: a long message's earlier parts may still arrive (an
      // older segment) and land above it.
      for (const part of row.querySelectorAll<HTMLElement>("[data-part-id]")) {
        const partRect = part.getBoundingClientRect();
        if (partRect.bottom > FOLD_PX) {
          anchor = { id: part.id, top: partRect.top };
          return;
        }
      }
      anchor = { id: row.dataset.messageId!, top: rect.top };
      return;
    }
    anchor = undefined;
  };

  /**
   * Puts the anchored part or message back where the reader saw it, measured in the DOM, over the next few frames
   * (rows render and are measured a frame or two after the data changes). The virtualizer already corrects for rows
   * that change size above the fold; this also covers rows inserted above it and anything it could not foresee.
   */
  const holdPlace = () => {
    if (following || !anchor || readerScrolling()) return;
    const start = settling === 0;
    settling = 4;
    if (!start) return;
    const step = () => {
      if (settling <= 0) return;
      const element = anchor && !following && !readerScrolling() ? document.getElementById(anchor.id) : null;
      if (element && anchor) {
        const drift = element.getBoundingClientRect().top - anchor.top;
        if (Math.abs(drift) >= 0.5) window.scrollBy({ top: drift, behavior: "instant" });
      }
      settling--;
      if (settling > 0) requestAnimationFrame(step);
      else if (!following && atBottom()) {
        // Scrolling that ended at the bottom while the place was held (and so was not looked at): follow from here.
        following = true;
        report();
      }
    };
    requestAnimationFrame(step);
  };

  const far = () => window.innerHeight * 3 + window.scrollY < document.documentElement.scrollHeight - BOTTOM_SLACK_PX;
  let reportedFar = false;
  const report = () => {
    reportedFar = far();
    props.onFollowChange?.(following, following ? 0 : Math.max(0, ids().length - unseenFrom), reportedFar);
  };

  let reportFrame = 0;
  const reportSoon = () => {
    reportFrame ||= requestAnimationFrame(() => {
      reportFrame = 0;
      report();
    });
  };

  /**
   * `scrollY` when the page last looked or scrolled (px). The page's own growth never moves the window up (rows
   * inserted above push the content down under it; a shrinking document only clamps it at the end), so a window
   * found higher than this away from the end was moved by the reader.
   */
  let lastScrollY = 0;

  /**
   * Scrolls to the end, if still following: queued for a frame, by when the reader may have scrolled away — also
   * without input the page sees (a script, a find in the browser), which a window gone up away from the end shows.
   */
  const scrollToEnd = () => {
    if (following && window.scrollY < lastScrollY && !atBottom()) {
      following = false;
      unseenFrom = ids().length;
      report();
    }
    if (following && !readerScrolling())
      window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });
    lastScrollY = window.scrollY;
  };

  let frame = 0;
  const onScroll = () => {
    const now = performance.now();
    if (now < readerUntil) readerUntil = Math.max(readerUntil, now + SCROLL_CHAIN_MS);
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const bottom = atBottom();
      const movedUp = window.scrollY < lastScrollY;
      lastScrollY = window.scrollY;
      activeRow();
      // While the place is being held, scroll events are the page's own corrections, not the reader moving.
      if (settling > 0 && !readerScrolling()) return;
      if (following && !bottom && !movedUp && !readerScrolling()) {
        // The end moved away from a reader who did not move up (rows inserted or grown above, older segments being
        // applied, the virtualizer correcting its estimates): still following, so back to the end.
        scrollToEnd();
      } else if (bottom !== following) {
        following = bottom;
        if (!following) unseenFrom = ids().length;
        report();
      } else if (far() !== reportedFar) report();
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
    const onWheel = (event: WheelEvent) => readerInput(event.deltaY < 0);
    const onKey = (event: KeyboardEvent) => {
      if (!SCROLL_KEYS.has(event.key) || typingIn(event.target)) return;
      readerInput(UP_KEYS.has(event.key) || (event.key === " " && event.shiftKey));
    };
    let touchY = 0;
    const onTouchStart = (event: TouchEvent) => {
      touchY = event.touches[0]?.clientY ?? 0;
      readerInput(false);
    };
    // A finger moving down drags the page up, away from the end.
    const onTouchMove = (event: TouchEvent) => readerInput((event.touches[0]?.clientY ?? 0) > touchY);
    // A press on the window's own scrollbar targets the root element; the page's scrolling is the reader's until
    // the button is released.
    const onPointerDown = (event: PointerEvent) => {
      if (event.target !== document.documentElement) return;
      readerInput(true);
      readerUntil = Number.POSITIVE_INFINITY;
    };
    const onPointerUp = () => {
      if (readerUntil === Number.POSITIVE_INFINITY) readerUntil = performance.now() + INPUT_GRACE_MS;
    };
    const listeners: [string, EventListener][] = [
      ["wheel", onWheel as EventListener],
      ["keydown", onKey as EventListener],
      ["touchstart", onTouchStart as EventListener],
      ["touchmove", onTouchMove as EventListener],
      ["pointerdown", onPointerDown as EventListener],
      ["pointerup", onPointerUp],
      ["pointercancel", onPointerUp],
    ];
    for (const [type, listener] of listeners) window.addEventListener(type, listener, { passive: true, capture: true });
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
      for (const [type, listener] of listeners) window.removeEventListener(type, listener, { capture: true });
      cancelAnimationFrame(frame);
      cancelAnimationFrame(reportFrame);
    });
  });

  // The rendered range (the virtualizer updates its list in place, so the range is what to watch).
  const range = () => {
    const list = items();
    return `${list[0]?.index}:${list[list.length - 1]?.index}`;
  };
  createEffect(on(range, () => requestAnimationFrame(parkFocus), { defer: true }));

  // New or reordered messages: keep the reader's row in place, or follow to the end.
  createEffect(
    on(
      ids,
      () => {
        if (following) requestAnimationFrame(scrollToEnd);
        else {
          holdPlace();
          // In the next frame: how far the end is needs a layout, which the browser does then anyway.
          reportSoon();
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
  const goTo = (id: string, shown?: (element: HTMLElement) => void): boolean => {
    const messageId = ids().includes(id) ? id : share.store.messageOfPart(id);
    if (!messageId) return false;
    let index = ids().indexOf(messageId);
    const ticket = ++navigation;
    setTargetId(id);
    following = false;
    // The reader is going elsewhere: the old place is not to be held (the new one is taken once there).
    anchor = undefined;
    virtualizer.scrollToIndex(index, { align: "start" });
    // The row renders on the next frames; then the element itself (a part deep inside a long message).
    let tries = 0;
    const settle = () => {
      if (ticket !== navigation) return;
      const element = document.getElementById(id);
      // Messages arrived above the row meanwhile (older segments): aim at its index again.
      const now = ids().indexOf(messageId);
      if (!element && now !== -1 && now !== index) {
        index = now;
        virtualizer.scrollToIndex(index, { align: "start" });
      }
      if (element) {
        element.scrollIntoView({ block: "start", behavior: "instant" });
        rememberAnchor();
        report();
      }
      if (!element || ++tries < 3) requestAnimationFrame(() => setTimeout(settle, 30));
      else shown?.(element);
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

  /**
   * The rendered rows' message ids, in order. Rows are keyed by message, not by index: a message's row (and all it
   * rendered) survives messages inserted above it, which shift every index.
   */
  const rows = createMemo(
    () => {
      const list = ids();
      return items()
        .map((item) => list[item.index])
        .filter((id): id is string => id !== undefined);
    },
    undefined,
    { equals: sameIds },
  );
  /** The index of each rendered row's message. */
  const rowIndex = createMemo(() => {
    const list = ids();
    return new Map(items().map((item) => [list[item.index], item.index]));
  });

  return (
    <div
      ref={list}
      class="timeline"
      style={{ height: `${virtualizer.getTotalSize()}px` }}
      data-testid="timeline"
      tabindex="-1"
      onFocusIn={onFocusIn}
    >
      <div class="timeline-window" style={{ transform: `translateY(${top()}px)` }}>
        <For each={rows()}>
          {(id) => {
            const index = () => rowIndex().get(id) ?? -1;
            return (
              <div
                class="row"
                data-index={index()}
                ref={(element) =>
                  queueMicrotask(() => {
                    if (!element.isConnected) return;
                    virtualizer.measureElement(element);
                    restoreFocus(element);
                  })
                }
              >
                <MessageView id={id} previousId={ids()[index() - 1]} last={index() === ids().length - 1} />
              </div>
            );
          }}
        </For>
      </div>
    </div>
  );
}
