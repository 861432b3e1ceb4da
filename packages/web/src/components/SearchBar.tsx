import { createEffect, createMemo, createSignal, For, on, onCleanup, onMount, untrack } from "solid-js";
import type { ShareSearch } from "../lib/search";
import { clearMarks, markCurrent, markMatches, matchRanges } from "../lib/search-highlight";
import type { SearchFilter } from "../lib/search-index";

/** How long typing must pause before find scrolls to the first match of the new query (ms). */
const JUMP_AFTER_MS = 250;

/** How long answers must pause before the rendered rows are marked (ms). */
const MARK_AFTER_MS = 120;

/** How long typing must pause before the query is written into the address bar (ms). */
const URL_AFTER_MS = 300;

/** The URL parameter that holds the query, so a search can be shared as a link. */
export const QUERY_PARAM = "q";

/** The filter menu's value as a {@link SearchFilter}: `""`, `errors`, `user`, `assistant` or `tool:<name>`. */
function filterOf(value: string): SearchFilter {
  if (value === "errors") return { errors: true };
  if (value === "user" || value === "assistant") return { role: value };
  if (value.startsWith("tool:")) return { tool: value.slice(5) };
  return {};
}

/** What the search bar offers the page. */
export interface SearchBarApi {
  /** Puts the cursor in the query field, its text selected. */
  focus: () => void;
}

/** Writes the query into the address bar (`?q=`), or removes it, without a history entry. */
function queryToUrl(query: string): void {
  const url = new URL(location.href);
  if (query) url.searchParams.set(QUERY_PARAM, query);
  else url.searchParams.delete(QUERY_PARAM);
  history.replaceState(history.state, "", url);
}

/**
 * Find in the whole share, rendered or not (lib/search.ts): the query field, "n of m" matches, previous and next
 * (Enter, Shift+Enter), a filter (errors, a role, a tool), and Escape to close. Each step scrolls the timeline to the
 * match's message or part (`jump`) and marks it; every match the timeline has rendered is marked too. The query is
 * kept in the URL (`?q=`).
 */
export function SearchBar(props: {
  search: ShareSearch;
  initial: string;
  /** The timeline element, whose rendered text is marked. */
  timeline: () => HTMLElement | undefined;
  jump: (id: string, shown: (element: HTMLElement) => void) => boolean;
  /**
   * Whether older segments are still being read. A search without matches yet goes to its first match once one
   * appears only if no whole answer over the whole share said "no matches" (a shared link's query may match only
   * older segments), and the reader has not scrolled meanwhile: a match a live change brings later is only counted.
   */
  loading: () => boolean;
  /** Whether the reader has scrolled by themselves since the page opened. */
  readerScrolled: () => boolean;
  onClose: () => void;
  ref?: (api: SearchBarApi) => void;
}) {
  let input!: HTMLInputElement;
  const [query, setQuery] = createSignal(props.initial);
  const [filter, setFilter] = createSignal("");
  /** The current match, 0-based over every occurrence in every document, in timeline order. */
  const [at, setAt] = createSignal(0);
  const result = () => props.search.result();
  const answered = () => result().query === query();

  createEffect(() => props.search.search(query(), filterOf(filter())));
  // Once typing pauses: `history.replaceState` costs a few ms, and Chromium refuses it when called too often.
  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  createEffect(
    on(query, (text) => {
      clearTimeout(urlTimer);
      urlTimer = setTimeout(() => queryToUrl(text), URL_AFTER_MS);
    }),
  );

  /** Document and occurrence of match `index`. */
  const locate = (index: number) => {
    let left = index;
    for (const hit of result().hits) {
      if (left < hit.count) return { hit, nth: left };
      left -= hit.count;
    }
    return undefined;
  };

  /** Set when the bar closes: a row that renders after it must not be marked. */
  let closed = false;
  const show = (index: number) => {
    const place = locate(index);
    if (!place) return;
    const text = query();
    props.jump(place.hit.partId ?? place.hit.messageId, (element) => {
      // The row may render after the bar closed: a closed search marks nothing.
      if (closed) return;
      // A text too large to lay out shows only its start (Clamp's `data-cut`): a match past it needs the rest.
      const cut = element.querySelectorAll<HTMLElement>("[data-cut] > .clamp-toggle");
      if (cut.length > 0 && matchRanges(element, text, place.nth + 1).length <= place.nth) {
        for (const button of cut) button.click();
      }
      let range = markCurrent(element, text, place.nth);
      if (!range) {
        // The match may be folded away (reasoning, a subagent's prompt): open what folds it.
        for (const details of element.querySelectorAll("details:not([open])"))
          (details as HTMLDetailsElement).open = true;
        range = markCurrent(element, text, place.nth);
      }
      if (!range) return;
      const rect = range.getBoundingClientRect();
      if (rect.top < 72 || rect.bottom > window.innerHeight - 24) {
        window.scrollBy({ top: rect.top - window.innerHeight / 3, behavior: "instant" });
      }
    });
  };

  const step = (direction: 1 | -1) => {
    const total = result().total;
    if (total === 0) return;
    const next = (at() + direction + total) % total;
    setAt(next);
    show(next);
  };

  // A new query or filter: the first match, as the browser's find does, once typing pauses (rendering the rows of a
  // far part of the share takes longer than a keystroke may). A live change of the same search keeps the current
  // match (clamped), without moving the page.
  let shownFor = "";
  let jumpTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => {
    closed = true;
    clearTimeout(jumpTimer);
    clearTimeout(urlTimer);
  });
  /** Whether the current search has had no match yet: its first one is gone to if it appears in time. */
  let matchless = false;
  /** Whether an answer over the whole share (read whole, indexed, not a partial answer) said "no matches". */
  let surelyMatchless = false;
  const sure = (answer: { partial: boolean }) =>
    !answer.partial && untrack(() => props.search.indexed() && !props.loading());
  createEffect(
    on(result, (answer) => {
      if (!answered()) return;
      const asked = `${answer.query}\u0000${filter()}`;
      if (asked !== shownFor) {
        shownFor = asked;
        matchless = answer.total === 0;
        surelyMatchless = matchless && sure(answer);
        setAt(0);
        clearTimeout(jumpTimer);
        if (answer.total > 0) jumpTimer = setTimeout(() => show(0), JUMP_AFTER_MS);
        return;
      }
      if (matchless && answer.total > 0) {
        matchless = false;
        // The first match of a search that had none: gone to if the answers before it were over part of the share
        // only, and the reader has not moved on meanwhile.
        if (!surelyMatchless && !untrack(props.readerScrolled)) {
          setAt(0);
          clearTimeout(jumpTimer);
          jumpTimer = setTimeout(() => show(0), JUMP_AFTER_MS);
          return;
        }
      }
      if (matchless && sure(answer)) surelyMatchless = true;
      if (at() >= answer.total) setAt(Math.max(0, answer.total - 1));
    }),
  );

  // Every match in the rows the timeline has rendered, again whenever rows render or change.
  let frame = 0;
  const markAll = () => {
    frame = 0;
    const root = props.timeline();
    if (root) markMatches(root, query());
  };
  // Marked once answers stop coming for a moment, not on each keystroke's answer: walking the rendered rows' text
  // costs a few ms, and a one-letter query matches everywhere.
  let markTimer: ReturnType<typeof setTimeout> | undefined;
  createEffect(
    on(result, () => {
      if (!answered()) return;
      clearTimeout(markTimer);
      markTimer = setTimeout(() => {
        frame ||= requestAnimationFrame(markAll);
      }, MARK_AFTER_MS);
    }),
  );
  onMount(() => {
    const root = props.timeline();
    const observer = new MutationObserver(() => {
      frame ||= requestAnimationFrame(markAll);
    });
    if (root) observer.observe(root, { childList: true, subtree: true, characterData: true });
    props.ref?.({ focus: () => input.select() });
    input.focus();
    input.select();
    onCleanup(() => {
      observer.disconnect();
      clearTimeout(markTimer);
      cancelAnimationFrame(frame);
      clearMarks();
      queryToUrl("");
    });
  });

  const status = createMemo(() => {
    if (query().trim() === "") return "";
    if (!props.search.indexed() || !answered()) return "Searching…";
    const total = result().total;
    if (total === 0) return "No matches";
    // A partial answer counts the matches found so far; the rest of the share is still being read.
    return `${at() + 1} of ${total}${result().partial ? "+" : ""}`;
  });

  return (
    <search class="search-bar" data-testid="search-bar" data-indexed={props.search.indexed() ? "true" : "false"}>
      <input
        ref={input}
        type="search"
        class="search-input"
        placeholder="Find in this share"
        aria-label="Find in this share"
        value={query()}
        onInput={(event) => setQuery(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            step(event.shiftKey ? -1 : 1);
          } else if (event.key === "Escape") {
            event.preventDefault();
            props.onClose();
          }
        }}
        data-testid="search-input"
      />
      <select
        class="search-filter"
        aria-label="Search in"
        value={filter()}
        onChange={(event) => setFilter(event.currentTarget.value)}
      >
        <option value="">Everything</option>
        <option value="errors">Errors</option>
        <option value="user">User messages</option>
        <option value="assistant">Assistant messages</option>
        <For each={result().tools}>{(tool) => <option value={`tool:${tool}`}>Tool: {tool}</option>}</For>
      </select>
      <span class="search-count muted" role="status" aria-live="polite" data-testid="search-count">
        {status()}
      </span>
      <button
        type="button"
        class="search-step"
        onClick={() => step(-1)}
        aria-label="Previous match"
        title="Previous match (Shift+Enter)"
      >
        ↑
      </button>
      <button
        type="button"
        class="search-step"
        onClick={() => step(1)}
        aria-label="Next match"
        title="Next match (Enter)"
      >
        ↓
      </button>
      <button
        type="button"
        class="search-step"
        onClick={() => props.onClose()}
        aria-label="Close search"
        title="Close (Escape)"
      >
        ×
      </button>
    </search>
  );
}
