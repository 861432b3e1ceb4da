/**
 * The share's read API for large shares: its head (the newest changes and the list of older segments) and its
 * immutable segments, so the first screen costs the same whatever the share's size.
 *
 * - `GET /api/share/:id/head` → {@link ShareHead}, with an `ETag` (a reload revalidates it and gets a 304);
 * - `GET /api/share/:id/` + a segment's `name` (`segments/<lo>-<hi>.json`) → {@link ShareSegment}, immutable;
 *   404 `segment_not_found` once compaction replaced it (the head then names its successor);
 * - 404 `not_found` on `/head`: a server older than this API; the page reads `/snapshot` instead.
 */
import type { BlobRef, Entry } from "@shareroom/shared";
import { EntrySchema } from "@shareroom/shared/live";
import { LoadError } from "./api";
import { errorCode, num, rec, str } from "./data";
import { takePrefetched } from "./prefetch";
import { newestFirst, segmentPath } from "./segment-order";
import type { StoredEntry, Tombstone } from "./share-store";

/** One segment the head lists: the changes with `lo <= seq <= hi`, `bytes` long (its JSON body). */
export interface SegmentRef {
  name: string;
  lo: number;
  hi: number;
  bytes: number;
}

/** `GET /api/share/:id/head`: the share at `seq`; `tail` holds its newest changes, `segments` all older ones. */
export interface ShareHead {
  version: number;
  id: string;
  createdAt: number;
  updatedAt: number;
  seq: number;
  segments: SegmentRef[];
  tail: StoredEntry[];
}

/** `GET /api/share/:id/segments/<lo>-<hi>.json`: the changes of seqs `lo`..`hi`. */
export interface ShareSegment {
  lo: number;
  hi: number;
  entries: StoredEntry[];
}

/** The head's path for share `id` (the worker preloads the same URL). */
export function headPath(id: string): string {
  return `/api/share/${encodeURIComponent(id)}/head`;
}

/** A stored entry (change or tombstone), or `undefined` when `value` is neither. */
function storedEntry(value: unknown): StoredEntry | undefined {
  const data = rec(value);
  if (data?.removed === true) {
    const key = str(data.key);
    const seq = num(data.seq);
    return key !== undefined && seq !== undefined ? ({ key, seq, removed: true } satisfies Tombstone) : undefined;
  }
  const parsed = EntrySchema.safeParse(value);
  return parsed.success ? (parsed.data as Entry | Extract<Entry, { ref: BlobRef }>) : undefined;
}

/** The entries of a head's tail or a segment; throws {@link LoadError} when one is of no known shape. */
function storedEntries(value: unknown): StoredEntry[] {
  if (!Array.isArray(value)) throw new LoadError("entries are not a list");
  return value.map((item) => {
    const entry = storedEntry(item);
    if (!entry) throw new LoadError("an entry does not have the expected shape");
    return entry;
  });
}

/** Reads a {@link ShareHead} body; throws {@link LoadError} when it is not one. */
export function parseHead(body: unknown): ShareHead {
  const data = rec(body);
  const seq = num(data?.seq);
  if (!data || seq === undefined || !Array.isArray(data.segments)) throw new LoadError("not a share head");
  const segments = data.segments.map((value): SegmentRef => {
    const segment = rec(value);
    const name = str(segment?.name);
    const lo = num(segment?.lo);
    const hi = num(segment?.hi);
    if (!name || lo === undefined || hi === undefined)
      throw new LoadError("a segment does not have the expected shape");
    return { name, lo, hi, bytes: num(segment?.bytes) ?? 0 };
  });
  return {
    version: num(data.version) ?? 1,
    id: str(data.id) ?? "",
    createdAt: num(data.createdAt) ?? 0,
    updatedAt: num(data.updatedAt) ?? 0,
    seq,
    segments,
    tail: storedEntries(data.tail ?? []),
  };
}

/**
 * `GET /api/share/:id/head`. `null`: no share has this id (404 `share_not_found`, 400 `invalid_share_id`);
 * `"unsupported"`: the server has no head (404 `not_found`, an older server). Throws {@link LoadError} for
 * anything else. The request takes the browser's HTTP cache as the server allows, so a reload revalidates with
 * the `ETag` and a 304 downloads nothing.
 */
export async function fetchHead(id: string): Promise<ShareHead | null | "unsupported"> {
  let response: Response;
  try {
    response = await (takePrefetched(id, headPath(id)) ?? fetch(headPath(id)));
  } catch (error) {
    throw new LoadError(`network error: ${String(error)}`);
  }
  if (response.status === 404 || response.status === 400) {
    return (await errorCode(response)) === "not_found" ? "unsupported" : null;
  }
  if (!response.ok) throw new LoadError(`the server answered ${response.status}`);
  return parseHead(await response.json().catch(() => undefined));
}

/**
 * One segment of share `id`, read from `response` when given (the prefetched one, or its newest entries only:
 * `?newest`, see `firstReadPath`), else fetched. `"gone"`: 404 `segment_not_found` (compaction replaced it: read the
 * head again). Throws {@link LoadError} for anything else, a share deleted meanwhile included. Parsing a segment (up
 * to 8 MiB of JSON) is one long task: the page calls this in its segment worker (segment.worker.ts), on its main
 * thread only for what the first screen waits for (a newest segment of at most 512 KiB, or its newest entries).
 */
export async function fetchSegment(
  id: string,
  segment: SegmentRef,
  response?: Promise<Response>,
): Promise<ShareSegment | "gone"> {
  let answer: Response;
  try {
    answer = await (response ??
      fetch(segmentPath(`/api/share/${encodeURIComponent(id)}`, segment.name), {
        priority: "low",
      } as RequestInit));
  } catch (error) {
    throw new LoadError(`network error: ${String(error)}`);
  }
  if (answer.status === 404 && (await errorCode(answer)) === "segment_not_found") return "gone";
  if (!answer.ok) throw new LoadError(`the server answered ${answer.status}`);
  const body = rec(await answer.json().catch(() => undefined));
  if (!body) throw new LoadError("not a segment");
  return { lo: num(body.lo) ?? segment.lo, hi: num(body.hi) ?? segment.hi, entries: storedEntries(body.entries) };
}

/**
 * The order segments are read in: {@link newestFirst}. Segments fully covered by seq ranges already
 * read (`done`, inclusive `[lo, hi]` pairs) are left out.
 */
export function segmentsToRead(segments: readonly SegmentRef[], done: readonly [number, number][]): SegmentRef[] {
  const covered = (segment: SegmentRef) => done.some(([lo, hi]) => lo <= segment.lo && segment.hi <= hi);
  return segments.filter((segment) => !covered(segment)).sort(newestFirst);
}
