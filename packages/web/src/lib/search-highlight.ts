/**
 * Marks the search's matches in what the timeline has rendered, with the CSS Custom Highlight API
 * (https://developer.mozilla.org/en-US/docs/Web/API/CSS_Custom_Highlight_API): ranges over the text as it is, so the
 * DOM the renderers built (and its measured sizes) is never touched. `::highlight(search-hit)` and
 * `::highlight(search-current)` in styles.css colour them. Browsers without the API find and jump, unmarked.
 */
import { fold } from "./search-index";

const HIT = "search-hit";
const CURRENT = "search-current";

/** At most this many matches are marked at once (a one-letter query in a page of code has thousands). */
const MAX_MARKS = 500;

const supported = () => typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight === "function";

/**
 * The ranges of the case-insensitive occurrences of `query` in the text under `root`, in document order (the first
 * `limit`).
 */
export function matchRanges(root: Node, query: string, limit = Number.POSITIVE_INFINITY): Range[] {
  const needle = fold(query);
  if (needle.trim() === "") return [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  const starts: number[] = [];
  let text = "";
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    nodes.push(node as Text);
    starts.push(text.length);
    // Lowercasing keeps lengths for all but a few characters (İ); a match there is simply not marked.
    text += fold((node as Text).data);
  }
  const ranges: Range[] = [];
  let node = 0;
  const locate = (offset: number) => {
    while (node + 1 < nodes.length && starts[node + 1]! <= offset) node++;
    return { node: nodes[node]!, offset: Math.min(offset - starts[node]!, nodes[node]!.length) };
  };
  for (
    let at = text.indexOf(needle);
    at !== -1 && ranges.length < limit;
    at = text.indexOf(needle, at + needle.length)
  ) {
    const start = locate(at);
    const end = locate(at + needle.length);
    const range = document.createRange();
    range.setStart(start.node, start.offset);
    range.setEnd(end.node, end.offset);
    ranges.push(range);
  }
  return ranges;
}

/** Marks the matches of `query` under `root` (up to {@link MAX_MARKS}), and returns how many. Blank clears. */
export function markMatches(root: Node, query: string): number {
  if (!supported()) return 0;
  const ranges = matchRanges(root, query, MAX_MARKS);
  if (ranges.length === 0) CSS.highlights.delete(HIT);
  else CSS.highlights.set(HIT, new Highlight(...ranges));
  return ranges.length;
}

/**
 * Marks occurrence `nth` (0-based; the last one when there are fewer) of `query` inside `element` as the current
 * match and returns its range, or `undefined` when the element shows none (the match is in text not rendered: a tool
 * input, a folded output).
 */
export function markCurrent(element: Element, query: string, nth: number): Range | undefined {
  const ranges = matchRanges(element, query);
  const range = ranges[Math.min(nth, ranges.length - 1)];
  if (supported()) {
    if (range) CSS.highlights.set(CURRENT, new Highlight(range));
    else CSS.highlights.delete(CURRENT);
  }
  return range;
}

/** Removes every search mark. */
export function clearMarks(): void {
  if (!supported()) return;
  CSS.highlights.delete(HIT);
  CSS.highlights.delete(CURRENT);
}
