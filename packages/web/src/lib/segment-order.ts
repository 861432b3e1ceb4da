/**
 * The order a share's segments are read in, shared by the page (`segmentsToRead` in `head.ts`) and the page
 * worker's preload of the first one (`newestSegment` in `worker/first-paint.ts`), so the worker announces the
 * very segment the page asks for first, by the very path ({@link firstReadPath}). The worker bundle takes it
 * without the page's parsers.
 */
import { NEWEST_ENTRIES_BYTES } from "@shareroom/shared/limits";

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

/**
 * The path the page reads first of its newest segment `name` (`segments/<lo>-<hi>.json`, `bytes` long) under `base`
 * (`/api/share/<id>`): a segment over twice {@link NEWEST_ENTRIES_BYTES} is first read as its newest entries only
 * (`?newest`: about 256 KiB however large the segment, so the latest turn shows without waiting for up to 8 MiB),
 * and whole afterwards; a smaller one is read whole at once.
 */
export function firstReadPath(base: string, segment: { name: string; bytes: number }): string {
  const path = segmentPath(base, segment.name);
  return segment.bytes > 2 * NEWEST_ENTRIES_BYTES ? `${path}?newest` : path;
}

/** The path of segment `name` (`segments/<lo>-<hi>.json`) under `base` (`/api/share/<id>`). */
export function segmentPath(base: string, name: string): string {
  return `${base}/${name.replace(/^\/+/, "")}`;
}
