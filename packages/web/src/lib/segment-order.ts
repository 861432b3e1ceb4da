/**
 * The order a share's segments are read in, shared by the page (`segmentsToRead` in `head.ts`) and the page
 * worker's preload of the first one (`newestSegmentName` in `worker/first-paint.ts`), so the worker announces the
 * very segment the page asks for first. Dependency-free: the worker bundle takes it without the page's parsers.
 */

/** A segment as the head lists it: the inclusive seq range `[lo, hi]` of the changes it holds. */
export interface SegmentRange {
  lo: number;
  hi: number;
}

/**
 * Newest first: the highest `hi`, then the highest `lo` (the newest segments hold the changes nearest the end of
 * the conversation, where the reader starts). A comparator for `Array.prototype.sort`.
 */
export function newestFirst(a: SegmentRange, b: SegmentRange): number {
  return b.hi - a.hi || b.lo - a.lo;
}
