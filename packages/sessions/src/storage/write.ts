/**
 * The ShareRoom's R2 writer: heads, bounded segments packed from the room's rows, blobs, and deletion, in the layout
 * of `layout.ts` (docs/storage.md). Everything here may throw on an R2 failure; the room's duties retry it. Nothing
 * here deletes an object a head names: callers queue replaced objects only after the head that drops them is written.
 */
import { storedEntryJson } from "../room/live";
import { ENTRY_BYTES_SQL, type ItemRow, type ShareRow } from "../room/store";
import { type KeyRecord, KIND_ITEM, KIND_REF, KIND_REMOVED, keysText } from "./keys";
import {
  blobKey,
  HEAD_VERSION,
  headKey,
  SEGMENT_MAX_BYTES,
  SEGMENT_TIER_FACTOR,
  type SegmentInfo,
  SMALL_SEGMENT_BYTES,
  segmentKeysName,
  segmentName,
  sharePrefix,
  TAIL_INLINE_MAX_BYTES,
} from "./layout";

/** The R2 calls the room makes (the metered binding of `meter.ts`). */
export interface RoomBucket {
  put(key: string, value: string | ArrayBuffer | ArrayBufferView, options?: R2PutOptions): Promise<R2Object | null>;
  get(key: string): Promise<R2ObjectBody | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options: R2ListOptions): Promise<R2Objects>;
}

const encoder = new TextEncoder();
const JSON_TYPE = { contentType: "application/json" };
const TEXT_TYPE = { contentType: "text/plain; charset=utf-8" };

/** Rows read per query while packing a segment: bounds memory to a segment plus this many rows. */
const PAGE_ROWS = 64;

/** Bytes of a segment's JSON around its entries, at most: `{"lo":<seq>,"hi":<seq>,"entries":[` and `]}`. */
const SEGMENT_ENVELOPE_BYTES = 64;

/**
 * A segment is queued for collection this long (ms) before its PUT: if the room crashes before a head names it, it
 * is an orphan, collected then; the head that names it takes it off the queue (`ShareRoom.commitHead`).
 */
export const ORPHAN_GRACE_MS = 24 * 60 * 60_000;

/** PUTs the head of `share` naming `segments`, with `tail` (entry JSON texts) inline. */
export async function putHead(
  bucket: RoomBucket,
  share: ShareRow,
  segments: SegmentInfo[],
  tail: string[],
): Promise<void> {
  const head = `{"version":${HEAD_VERSION},"id":${JSON.stringify(share.id)},"createdAt":${share.created_at},"updatedAt":${share.updated_at},"seq":${share.seq},"segments":${JSON.stringify(segments)},"tail":[${tail.join(",")}]}`;
  await bucket.put(headKey(share.id), head, {
    httpMetadata: JSON_TYPE,
    // Custom metadata feeds the admin listing and the share summary without a body read.
    customMetadata: {
      title: (share.title ?? "").slice(0, 500),
      createdAt: String(share.created_at),
      updatedAt: String(share.updated_at),
      bytes: String(share.bytes),
      seq: String(share.seq),
    },
  });
}

/** The tail entries (seq above `lo`) as entry JSON, for an inline head tail. */
export function tailEntries(sql: SqlStorage, lo: number): string[] {
  return sql
    .exec<ItemRow>("SELECT key, seq, body, ref, epoch, removed, progress FROM items WHERE seq > ? ORDER BY seq", lo)
    .toArray()
    .map(storedEntryJson);
}

/**
 * Keys whose latest entry every head carries, whatever its seq: the share page's header facts (title and agent from
 * `session`, model names from `model`), so a first screen needs no old segment for them. The CLI re-sends both in
 * almost every batch unchanged, so their entries keep old seqs and would otherwise sit in the oldest segment.
 */
export const HEADER_KEYS = ["session", "model"];

/**
 * The entries of {@link HEADER_KEYS} with seq at or below `lo` (those above are in the tail already), as entry JSON;
 * each at most {@link TAIL_INLINE_MAX_BYTES} (a larger one stays in its segment only). Readers take the highest seq
 * per key, so an entry both here and in a segment counts once.
 */
export function headerEntries(sql: SqlStorage, lo: number): string[] {
  return sql
    .exec<ItemRow>(
      `SELECT key, seq, body, ref, epoch, removed, progress FROM items
       WHERE key IN (SELECT value FROM json_each(?)) AND seq <= ? AND removed = 0 AND bytes <= ? ORDER BY seq`,
      JSON.stringify(HEADER_KEYS),
      lo,
      TAIL_INLINE_MAX_BYTES,
    )
    .toArray()
    .map(storedEntryJson);
}

/** What the rows with seq above `lo` weigh as entries (bytes). */
export function weightAbove(sql: SqlStorage, lo: number): number {
  return (
    sql.exec<{ bytes: number | null }>(`SELECT SUM(${ENTRY_BYTES_SQL}) AS bytes FROM items WHERE seq > ?`, lo).one()
      .bytes ?? 0
  );
}

/** How a new segment run starts: where it is merged into the existing list. */
export type Mode = "flush" | "compact";

/**
 * How many of `segments` a new run of `bytes` (the rows above the newest segment, as a segment) leaves in place;
 * the run swallows the rest. `flush`: size tiers — first the trailing small segments ({@link SMALL_SEGMENT_BYTES}),
 * once {@link SEGMENT_TIER_FACTOR} of them are there with a small run, or whatever their number when the run itself
 * is not small; then every trailing segment that is not final, once they add up to half of {@link SEGMENT_MAX_BYTES}
 * with the run and the rows they hold weigh that much too (a segment of half the maximum or more is final;
 * `weightAbove(lo)` gives the bytes of the rows above seq `lo`). A small segment is so merged at most once before
 * the merge that makes it final, which no flush merges again: each byte is written at most three times in segments.
 * `compact`: every trailing segment that is not final.
 */
export function mergeStart(
  segments: SegmentInfo[],
  bytes: number,
  mode: Mode,
  weightAbove: (lo: number) => number,
): number {
  const final = (segment: SegmentInfo) => segment.bytes >= SEGMENT_MAX_BYTES / 2;
  let keep = segments.length;
  if (mode === "compact") {
    while (keep > 0 && !final(segments[keep - 1]!)) keep--;
    return keep;
  }
  let run = bytes;
  let small = 0;
  while (keep - small > 0 && segments[keep - small - 1]!.bytes < SMALL_SEGMENT_BYTES) small++;
  if (small > 0 && (run >= SMALL_SEGMENT_BYTES || small + 1 >= SEGMENT_TIER_FACTOR)) {
    for (let i = 0; i < small; i++) run += segments[keep - 1 - i]!.bytes;
    keep -= small;
  }
  let start = keep;
  while (start > 0 && !final(segments[start - 1]!)) {
    run += segments[start - 1]!.bytes;
    start--;
  }
  if (start === keep || run < SEGMENT_MAX_BYTES / 2) return keep;
  // What the merge would write, from the rows: a key changed again later weighs nothing here, so the listed sizes
  // overstate it. A merge that would not make a final segment is left for later (else every flush would redo it),
  // unless at least half of what the run lists is superseded (a part re-sent whole as it grows): then it merges into
  // an unfinished segment of what is live, which rewrites at most half of what was appended since, so the segment
  // count stays bounded and each byte is still written a bounded number of times.
  const lo = start === 0 ? 0 : segments[start - 1]!.hi;
  const live = weightAbove(lo) + SEGMENT_ENVELOPE_BYTES;
  return live >= SEGMENT_MAX_BYTES / 2 || run >= 2 * live ? start : keep;
}

/**
 * Writes the rows above the newest kept segment as new segments of at most {@link SEGMENT_MAX_BYTES} each (the
 * object's bytes: every entry as written, with its key and seq, and the segment's own envelope), and returns the new
 * list with the names it replaces; which trailing segments the run swallows is {@link mergeStart}'s rule for
 * `mode`. Tombstones are dropped when the run starts at seq 0 (nothing older remains for them to hide). Memory: one
 * segment plus {@link PAGE_ROWS} rows.
 */
export async function writeSegments(
  bucket: RoomBucket,
  sql: SqlStorage,
  share: ShareRow,
  segments: SegmentInfo[],
  mode: Mode,
): Promise<{ segments: SegmentInfo[]; replaced: string[] }> {
  const weight = (lo: number) => weightAbove(sql, lo);
  const keep = mergeStart(segments, weight(segments.at(-1)?.hi ?? 0) + SEGMENT_ENVELOPE_BYTES, mode, weight);
  const start = keep === 0 ? 0 : segments[keep - 1]!.hi;
  const written = await writeRange(bucket, sql, share.id, start, share.seq);
  const replaced = segments.slice(keep).map((segment) => segment.name);
  return {
    segments: [...segments.slice(0, keep), ...written],
    replaced: replaced.filter((name) => !written.some((segment) => segment.name === name)),
  };
}

/**
 * Rewrites every segment over {@link SEGMENT_MAX_BYTES} (written before segments were bounded) as segments of at
 * most that size covering the same seq range, from the rows; returns the new list and the names it replaces.
 * Memory: one segment plus {@link PAGE_ROWS} rows.
 */
export async function splitOversized(
  bucket: RoomBucket,
  sql: SqlStorage,
  share: ShareRow,
  segments: SegmentInfo[],
): Promise<{ segments: SegmentInfo[]; replaced: string[] }> {
  const next: SegmentInfo[] = [];
  const replaced: string[] = [];
  for (const segment of segments) {
    if (segment.bytes <= SEGMENT_MAX_BYTES) {
      next.push(segment);
      continue;
    }
    const written = await writeRange(bucket, sql, share.id, segment.lo, segment.hi);
    next.push(...written);
    if (!written.some((piece) => piece.name === segment.name)) replaced.push(segment.name);
  }
  return { segments: next, replaced };
}

/**
 * Writes the rows with seq in (`start`, `end`] (each key's latest change) as contiguous segments of at most
 * {@link SEGMENT_MAX_BYTES} covering exactly that range, and returns them. Each is queued for collection a day ahead
 * before its PUT ({@link ORPHAN_GRACE_MS}), and its key index (`keys.ts`, naming the segment's ETag) is PUT after
 * it; collecting the segment's name deletes both. Tombstones are dropped when `start` is 0.
 */
async function writeRange(
  bucket: RoomBucket,
  sql: SqlStorage,
  id: string,
  start: number,
  end: number,
): Promise<SegmentInfo[]> {
  const dropTombstones = start === 0;
  const written: SegmentInfo[] = [];
  let lo = start;
  let cursor = start;
  // Each entry is encoded once, so a segment is cut on the bytes it will hold.
  let entries: Uint8Array[] = [];
  let records: Omit<KeyRecord, "start" | "end">[] = [];
  let size = SEGMENT_ENVELOPE_BYTES;
  const put = async (hi: number) => {
    const name = segmentName(lo, hi);
    const { body, ranges } = segmentBody(lo, hi, entries);
    sql.exec("INSERT OR REPLACE INTO garbage (name, due) VALUES (?, ?)", name, Date.now() + ORPHAN_GRACE_MS);
    const object = await bucket.put(sharePrefix(id) + name, body, { httpMetadata: JSON_TYPE });
    if (!object) throw new Error(`share ${id}: the PUT of ${name} stored nothing`);
    const keys = encoder.encode(
      keysText(
        name,
        object.etag,
        records.map((record, index) => ({ ...record, start: ranges[index]![0], end: ranges[index]![1] })),
      ),
    );
    await bucket.put(sharePrefix(id) + segmentKeysName(name), keys, { httpMetadata: TEXT_TYPE });
    const blobs = records.filter((record) => record.kind === KIND_REF).length;
    written.push({ name, lo, hi, bytes: body.byteLength, keys: keys.byteLength, ...(blobs > 0 ? { blobs } : {}) });
    lo = hi;
    entries = [];
    records = [];
    size = SEGMENT_ENVELOPE_BYTES;
  };
  for (;;) {
    const rows = sql
      .exec<ItemRow>(
        `SELECT key, seq, body, ref, epoch, removed, progress, hash FROM items
         WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
        cursor,
        end,
        PAGE_ROWS,
      )
      .toArray();
    for (const row of rows) {
      cursor = row.seq;
      if (dropTombstones && row.removed) continue;
      const entry = encoder.encode(storedEntryJson(row));
      // One byte more per entry for the comma before it.
      if (entries.length > 0 && size + entry.byteLength + 1 > SEGMENT_MAX_BYTES) await put(row.seq - 1);
      entries.push(entry);
      records.push(
        row.removed
          ? { key: row.key, seq: row.seq, kind: KIND_REMOVED }
          : row.body === null
            ? { key: row.key, seq: row.seq, kind: KIND_REF, blob: row.hash ?? undefined }
            : { key: row.key, seq: row.seq, kind: KIND_ITEM },
      );
      size += entry.byteLength + 1;
    }
    if (rows.length < PAGE_ROWS) break;
  }
  if (lo < end || written.length === 0) await put(end);
  return written;
}

/**
 * The JSON bytes of segment (lo, hi] holding `entries` (each an encoded entry JSON), in one buffer, and each entry's
 * byte range `[start, end)` in it.
 */
function segmentBody(lo: number, hi: number, entries: Uint8Array[]): { body: Uint8Array; ranges: [number, number][] } {
  const open = encoder.encode(`{"lo":${lo},"hi":${hi},"entries":[`);
  const close = encoder.encode("]}");
  let length = open.byteLength + close.byteLength + Math.max(0, entries.length - 1);
  for (const entry of entries) length += entry.byteLength;
  const body = new Uint8Array(length);
  body.set(open, 0);
  let at = open.byteLength;
  const ranges: [number, number][] = [];
  entries.forEach((entry, index) => {
    if (index > 0) body[at++] = 0x2c;
    body.set(entry, at);
    ranges.push([at, at + entry.byteLength]);
    at += entry.byteLength;
  });
  body.set(close, at);
  return { body, ranges };
}

/** PUTs the JSON of one item stored by reference. Content-addressed: writing it again is harmless. */
export async function putBlob(bucket: RoomBucket, id: string, hash: string, json: Uint8Array | string): Promise<void> {
  await bucket.put(blobKey(id, hash), json, { httpMetadata: JSON_TYPE });
}

/** Keys one R2 `delete` call takes at most. */
const DELETE_BATCH = 1000;

/** Deletes objects of share `id` by name under its prefix (`segments/…`, `blobs/…`), 1,000 per R2 call. */
export async function deleteNames(bucket: RoomBucket, id: string, names: string[]): Promise<void> {
  for (let at = 0; at < names.length; at += DELETE_BATCH) {
    await bucket.delete(names.slice(at, at + DELETE_BATCH).map((name) => sharePrefix(id) + name));
  }
}

/** Deletes every object of share `id` (one prefix listing, page by page). */
export async function deleteShareObjects(bucket: RoomBucket, id: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const listing = await bucket.list({ prefix: sharePrefix(id), cursor });
    if (listing.objects.length > 0) await bucket.delete(listing.objects.map((object) => object.key));
    cursor = listing.truncated ? listing.cursor : undefined;
  } while (cursor);
}
