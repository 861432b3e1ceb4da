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
 * `text` lowercased as find compares it ({@link fold}), and where each of its UTF-16 units came from: `ends[j]` is the
 * offset in `text` just after the character that folded into unit `j` (`undefined` when every character keeps its
 * length, the common case). Lowercasing lengthens a few characters (`İ` U+0130 becomes `i̇`, two units), so offsets in
 * the folded text are not offsets in the text.
 */
export function foldWithOffsets(text: string): { folded: string; ends?: number[] } {
  const folded = fold(text);
  if (folded.length === text.length) return { folded };
  const ends: number[] = [];
  let out = "";
  for (let at = 0; at < text.length; ) {
    const code = text.codePointAt(at)!;
    const next = at + (code > 0xffff ? 2 : 1);
    const lower = fold(String.fromCodePoint(code));
    out += lower;
    for (let unit = 0; unit < lower.length; unit++) ends.push(next);
    at = next;
  }
  return { folded: out, ends };
}

/** Where one match lies: from offset `startOffset` of text `start` to offset `endOffset` of text `end` (UTF-16). */
export interface MatchSpan {
  start: number;
  startOffset: number;
  end: number;
  endOffset: number;
}

/**
 * The case-insensitive occurrences of `query` in the concatenation of `texts` (the text nodes of a row, in document
 * order), as offsets into the original texts, non-overlapping, the first `limit`. A match may span texts. A match
 * that starts or ends inside a character lowercasing to several units covers that whole character.
 */
export function matchSpans(texts: readonly string[], query: string, limit = Number.POSITIVE_INFINITY): MatchSpan[] {
  const needle = fold(query);
  if (needle.trim() === "") return [];
  const folds = texts.map(foldWithOffsets);
  const starts: number[] = [];
  let text = "";
  for (const { folded } of folds) {
    starts.push(text.length);
    text += folded;
  }
  let node = 0;
  /** The text holding folded offset `offset` of the whole, and the offset in that text's original. */
  const locate = (offset: number, isEnd: boolean) => {
    while (node + 1 < folds.length && starts[node + 1]! <= offset && !(isEnd && starts[node + 1] === offset)) node++;
    const local = offset - starts[node]!;
    const { ends } = folds[node]!;
    if (!ends) return { index: node, offset: local };
    if (isEnd) return { index: node, offset: local === 0 ? 0 : ends[local - 1]! };
    // The start of the character that folded into unit `local`: the end of the one before it.
    let first = local;
    while (first > 0 && ends[first - 1] === ends[local]) first--;
    return { index: node, offset: first === 0 ? 0 : ends[first - 1]! };
  };
  const spans: MatchSpan[] = [];
  for (
    let at = text.indexOf(needle);
    at !== -1 && spans.length < limit;
    at = text.indexOf(needle, at + needle.length)
  ) {
    const start = locate(at, false);
    const end = locate(at + needle.length, true);
    spans.push({ start: start.index, startOffset: start.offset, end: end.index, endOffset: end.offset });
  }
  return spans;
}

/**
 * The ranges of the case-insensitive occurrences of `query` in the text under `root`, in document order (the first
 * `limit`). Static ranges: the DOM does not keep them up to date as it changes, so hundreds of them cost nothing when
 * rows render or unmount (live `Range`s are adjusted on every node removed); the marks are taken anew after every
 * change anyway.
 */
export function matchRanges(root: Node, query: string, limit = Number.POSITIVE_INFINITY): StaticRange[] {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node as Text);
  return matchSpans(
    nodes.map((node) => node.data),
    query,
    limit,
  ).map(
    (span) =>
      new StaticRange({
        startContainer: nodes[span.start]!,
        startOffset: span.startOffset,
        endContainer: nodes[span.end]!,
        endOffset: span.endOffset,
      }),
  );
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
  const found = ranges[Math.min(nth, ranges.length - 1)];
  let range: Range | undefined;
  if (found) {
    range = document.createRange();
    range.setStart(found.startContainer, found.startOffset);
    range.setEnd(found.endContainer, found.endOffset);
  }
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
