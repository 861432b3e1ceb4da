/**
 * The ShareRoom's R2 writer: heads, bounded segments packed from the room's rows, blobs, and deletion, in the layout
 * of `layout.ts` (docs/storage.md). Everything here may throw on an R2 failure; the room's duties retry it. Nothing
 * here deletes an object a head names: callers queue replaced objects only after the head that drops them is written.
 */
import { storedEntryJson } from "../room/live";
import { ENTRY_BYTES_SQL, type ItemRow, type ShareRow } from "../room/store";
import {
  blobKey,
  HEAD_VERSION,
  headKey,
  SEGMENT_GROWTH_FACTOR,
  SEGMENT_MAX_BYTES,
  type SegmentInfo,
  segmentName,
  sharePrefix,
} from "./layout";

/** The R2 calls the room makes (the metered binding of `meter.ts`). */
export interface RoomBucket {
  put(key: string, value: string | ArrayBuffer | ArrayBufferView, options?: R2PutOptions): Promise<unknown>;
  get(key: string): Promise<R2ObjectBody | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options: R2ListOptions): Promise<R2Objects>;
}

const encoder = new TextEncoder();
const JSON_TYPE = { contentType: "application/json" };

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
 * Writes the rows above the newest kept segment as new segments of at most {@link SEGMENT_MAX_BYTES} each (the
 * object's bytes: every entry as written, with its key and seq, and the segment's own envelope), and
 * returns the new list with the names it replaces. In `flush` mode, the newest segments are merged in while each is
 * not {@link SEGMENT_GROWTH_FACTOR}× larger than what is being written and the result still fits one segment (a
 * size-tiered merge); in `compact` mode, every trailing segment under half the maximum is merged in. Tombstones are
 * dropped when the run starts at seq 0 (nothing older remains for them to hide). Memory: one segment plus
 * {@link PAGE_ROWS} rows.
 */
export async function writeSegments(
  bucket: RoomBucket,
  sql: SqlStorage,
  share: ShareRow,
  segments: SegmentInfo[],
  mode: Mode,
): Promise<{ segments: SegmentInfo[]; replaced: string[] }> {
  let keep = segments.length;
  let bytes = weightAbove(sql, segments.at(-1)?.hi ?? 0);
  while (keep > 0) {
    const previous = segments[keep - 1]!;
    const merge =
      mode === "flush"
        ? previous.bytes <= SEGMENT_GROWTH_FACTOR * bytes && previous.bytes + bytes <= SEGMENT_MAX_BYTES
        : previous.bytes < SEGMENT_MAX_BYTES / 2;
    if (!merge) break;
    bytes += previous.bytes;
    keep--;
  }
  const start = keep === 0 ? 0 : segments[keep - 1]!.hi;
  const dropTombstones = start === 0;
  const written: SegmentInfo[] = [];
  let lo = start;
  let cursor = start;
  // Each entry is encoded once, so a segment is cut on the bytes it will hold.
  let entries: Uint8Array[] = [];
  let size = SEGMENT_ENVELOPE_BYTES;
  const put = async (hi: number) => {
    const name = segmentName(lo, hi);
    const body = segmentBody(lo, hi, entries);
    sql.exec("INSERT OR REPLACE INTO garbage (name, due) VALUES (?, ?)", name, Date.now() + ORPHAN_GRACE_MS);
    await bucket.put(sharePrefix(share.id) + name, body, { httpMetadata: JSON_TYPE });
    written.push({ name, lo, hi, bytes: body.byteLength });
    lo = hi;
    entries = [];
    size = SEGMENT_ENVELOPE_BYTES;
  };
  for (;;) {
    const rows = sql
      .exec<ItemRow>(
        `SELECT key, seq, body, ref, epoch, removed, progress FROM items
         WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`,
        cursor,
        share.seq,
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
      size += entry.byteLength + 1;
    }
    if (rows.length < PAGE_ROWS) break;
  }
  if (lo < share.seq || written.length === 0) await put(share.seq);
  const replaced = segments.slice(keep).map((segment) => segment.name);
  return {
    segments: [...segments.slice(0, keep), ...written],
    replaced: replaced.filter((name) => !written.some((segment) => segment.name === name)),
  };
}

/** The JSON bytes of segment (lo, hi] holding `entries` (each an encoded entry JSON), in one buffer. */
function segmentBody(lo: number, hi: number, entries: Uint8Array[]): Uint8Array {
  const open = encoder.encode(`{"lo":${lo},"hi":${hi},"entries":[`);
  const close = encoder.encode("]}");
  let length = open.byteLength + close.byteLength + Math.max(0, entries.length - 1);
  for (const entry of entries) length += entry.byteLength;
  const body = new Uint8Array(length);
  body.set(open, 0);
  let at = open.byteLength;
  entries.forEach((entry, index) => {
    if (index > 0) body[at++] = 0x2c;
    body.set(entry, at);
    at += entry.byteLength;
  });
  body.set(close, at);
  return body;
}

/** PUTs the JSON of one item stored by reference. Content-addressed: writing it again is harmless. */
export async function putBlob(bucket: RoomBucket, id: string, hash: string, json: Uint8Array | string): Promise<void> {
  await bucket.put(blobKey(id, hash), json, { httpMetadata: JSON_TYPE });
}

/** Deletes objects of share `id` by name under its prefix (`segments/…`, `blobs/…`). */
export async function deleteNames(bucket: RoomBucket, id: string, names: string[]): Promise<void> {
  if (names.length > 0) await bucket.delete(names.map((name) => sharePrefix(id) + name));
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
