/**
 * Reading a share from R2 alone — no Durable Object involved — in bounded memory, whatever the share's size.
 *
 * A read is two passes over the share's objects (layout: `storage/layout.ts`, `docs/storage.md`):
 *
 * 1. **Index.** The head is read whole (it is bounded: its inline tail stays under `TAIL_INLINE_MAX_BYTES`). When
 *    every segment it names has a key index (`storage/keys.ts`), each index's header is read and its segment checked
 *    with a HEAD, and the winners come from merging the indexes in key order ({@link MergedSource}): a read holds one
 *    piece of each index, not a table of every key. Otherwise (segments written before key indexes) each segment is
 *    streamed once, one at a time, with {@link scanEntries}: per key only the winning entry's place is kept (the
 *    highest `seq` across tail and segments; a tombstone `{key, seq, removed: true}` that wins removes the key).
 *    Only an entry's first bytes are decoded for this ({@link entryPlace}: key, seq, and whether it is an item, a
 *    blob reference or a tombstone), never the item itself. That index holds one key, one seq and a byte range per
 *    live key, about 100 bytes per item plus its key, and every segment of at most {@link KEEP_SEGMENT_BYTES} in all
 *    kept whole from this pass.
 * 2. **Stream.** Winners are emitted in key order, taken in batches whose entries outside the kept segments add up
 *    to at most {@link STREAM_BATCH_BYTES} (known from the index's byte ranges). An entry of a kept segment is
 *    sliced from memory; the others of a batch are grouped by segment, and ranges of one segment closer than
 *    {@link COALESCE_GAP_BYTES} are read with one ranged GET (at most another `STREAM_BATCH_BYTES` of bytes between
 *    them per batch), so winners spread over many segments cost a few GETs per segment and batch, not one per
 *    entry. Blobs are read one at a time.
 *
 * So the memory of a read is its index (one piece per key index, or the key table) plus at most
 * `KEEP_SEGMENT_BYTES + 2 × STREAM_BATCH_BYTES` (2 + 2 × 1 MiB) plus one item (a blob, at most `MAX_ITEM_BYTES`),
 * not the share. A segment entry is emitted as the text it is stored as (the room writes every entry with
 * `JSON.stringify`, so that text is what re-serializing it would give): `/snapshot` and `/data` parse no item, so
 * the garbage a read leaves for V8 stays about one batch, not a multiple of the share. Every failure before the
 * first byte of a body is a {@link StorageError} (the route answers 503 `storage_unavailable` with `Retry-After`): a
 * head that cannot be read or parsed, a segment or key index the head names that is missing (after re-reading the
 * head three times, since a compaction may have replaced it), a blob the winners reference that is missing, or R2
 * failing. A failure after it errors the stream, so a client never receives a truncated body that parses.
 */
import { type Item, NEWEST_ENTRIES_BYTES, type ShareSnapshot } from "@shareroom/shared";
import { type KeyRecord, type KeysHandle, KIND_ITEM, KIND_REF, KIND_REMOVED, mergeWinners, openKeys } from "./keys";
import { blobKey, type Head, headKey, type SegmentInfo, type StoredEntry, sharePrefix } from "./layout";
import { type ReadBucket, r2, StorageError } from "./r2";
import { type Place, type Winner, type WinnerTable, WinnerTableBuilder } from "./winners";

export { type ReadBucket, r2, StorageError };

/** Seconds a client is told to wait (`Retry-After`) after a {@link StorageError}. */
export const STORAGE_RETRY_AFTER_S = 5;

/** Segments of at most this many bytes in all are kept in memory from the index pass instead of read again. */
export const KEEP_SEGMENT_BYTES = 2 * 1024 * 1024;

/**
 * The stream pass reads winners in key-order batches of at most this many bytes of entries read by range. What a
 * read holds beyond its index is about this times four (the ranged bytes, the gaps read with them, their texts):
 * 1 MiB kept a read of a 186 MiB share at about 8 MiB of isolate memory, where 4 MiB held about 12–20 MiB
 * (`BENCH_ONLY=memory`, docs/storage.md), at the same speed.
 */
export const STREAM_BATCH_BYTES = 1 * 1024 * 1024;

/**
 * Within a batch, ranges of one segment less than this many bytes apart are read with one GET (the bytes between are
 * read and dropped), while the bytes so dropped stay within `STREAM_BATCH_BYTES`, smallest gaps first.
 */
export const COALESCE_GAP_BYTES = 64 * 1024;

/**
 * Ranged GETs of one batch in flight at once: a Worker has at most 6 connections open at a time
 * (https://developers.cloudflare.com/workers/platform/limits/#simultaneous-open-connections).
 */
const RANGED_READS_IN_FLIGHT = 6;

/** At most this many winners per batch, so a batch of small or inline entries stays a bounded step too. */
const STREAM_BATCH_WINNERS = 4096;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The head of share `id` as stored, or `null` when there is none (never created, or deleted). */
export async function readHead(bucket: ReadBucket, id: string): Promise<{ head: Head; etag: string } | null> {
  const object = await r2(`share ${id}: reading the head`, () => bucket.get(headKey(id)));
  if (!object) return null;
  const text = await r2(`share ${id}: reading the head`, () => object.text());
  try {
    const head = JSON.parse(text) as Head;
    if (!Array.isArray(head.segments) || !Array.isArray(head.tail)) throw new Error("not a head");
    return { head, etag: headEtag(head.seq, object.etag) };
  } catch {
    throw new StorageError(`share ${id}: the head is not readable`);
  }
}

/**
 * The ETag of a head (and of the snapshot built from it): its `seq` and the R2 ETag of the head object, so it
 * changes with every change of seq and with every rewrite of the head at the same seq (a compaction renames
 * segments; a client must not keep naming the old ones).
 */
export function headEtag(seq: number, r2Etag: string): string {
  return `"${seq}-${r2Etag}"`;
}

/** Whether an `If-None-Match` header names `etag` (or is `*`). Weak comparison, as RFC 9110 §13.1.2 asks. */
export function etagMatches(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (value: string) => value.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((value) => value.trim() === "*" || bare(value) === bare(etag));
}

/**
 * Streams the elements of the top-level `entries` array of a segment's JSON (`{"lo", "hi", "entries": [...]}`,
 * any field order, any whitespace), calling `onEntry` with each element's bytes and its byte range in the object.
 * Holds one element at a time. Errors: {@link StorageError} when the bytes are not such a segment.
 */
export async function scanEntries(
  body: ReadableStream<Uint8Array>,
  onEntry: (bytes: Uint8Array, start: number, end: number) => void,
): Promise<void> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let lastKey = "";
  let keyBytes: number[] | null = null;
  let inEntries = false;
  let seenEntries = false;
  let elementStart = -1;
  let parts: Uint8Array[] = [];
  let offset = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c) escaped = true;
        else if (byte === 0x22) {
          inString = false;
          if (keyBytes) {
            lastKey = decoder.decode(new Uint8Array(keyBytes));
            keyBytes = null;
          }
        } else if (keyBytes) {
          keyBytes.push(byte);
          if (keyBytes.length > 64) keyBytes = null;
        } else {
          // Skip to the next quote or backslash: strings are most of a segment's bytes.
          const quote = chunk.indexOf(0x22, i);
          const slash = chunk.indexOf(0x5c, i);
          const next = quote < 0 ? slash : slash < 0 ? quote : Math.min(quote, slash);
          i = (next < 0 ? chunk.length : next) - 1;
        }
        continue;
      }
      switch (byte) {
        case 0x22:
          inString = true;
          if (depth === 1) keyBytes = [];
          break;
        case 0x7b:
        case 0x5b:
          if (depth === 1 && byte === 0x5b && lastKey === "entries") {
            inEntries = true;
            seenEntries = true;
          } else if (depth === 2 && inEntries) {
            elementStart = offset + i;
            from = i;
            parts = [];
          }
          depth++;
          break;
        case 0x7d:
        case 0x5d:
          depth--;
          if (depth === 2 && inEntries && elementStart >= 0) {
            parts.push(chunk.subarray(from, i + 1));
            const bytes = parts.length === 1 ? parts[0]! : concat(parts);
            onEntry(bytes, elementStart, offset + i + 1);
            elementStart = -1;
            parts = [];
          } else if (depth === 1 && inEntries) inEntries = false;
          else if (depth < 0) throw new StorageError("a segment is not readable");
          break;
        case 0x3a:
        case 0x2c:
          if (depth === 1 && byte === 0x2c) lastKey = "";
          break;
      }
    }
    if (elementStart >= 0) {
      parts.push(chunk.subarray(from));
    }
    offset += chunk.length;
  }
  if (depth !== 0 || inString || !seenEntries) throw new StorageError("a segment is not readable");
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A segment as the index pass saw it: its R2 ETag (the stream pass reads that exact object) and kept bytes. */
interface ScannedSegment {
  info: SegmentInfo;
  etag: string;
  size: number;
  bytes: Uint8Array | null;
}

/** A range of keys `[from, to)`; {@link ALL_KEYS} is every key. */
export type KeyRange = [from: string, to: string];

/** Every key: U+FFFF sorts after every character an item key can hold (ids are ASCII, see `ID_PATTERN`). */
export const ALL_KEYS: KeyRange = ["", "\uffff"];

/**
 * Where a read's winners come from, in key order: the key table of the index pass (segments without key indexes),
 * or the merge of the segments' key indexes (`keys.ts`), which holds no table of keys.
 */
export interface WinnerSource {
  /** The live winners (no tombstones) with keys in `range`, in key order. Errors: {@link StorageError}. */
  winners(range: KeyRange): AsyncIterable<Winner>;
  /** The blob hashes the live winners reference. Errors: {@link StorageError}. */
  blobHashes(): AsyncIterable<string>;
}

/** Winners from the index pass's {@link WinnerTable}. */
class TableSource implements WinnerSource {
  constructor(private readonly table: WinnerTable) {}

  async *winners([from, to]: KeyRange): AsyncGenerator<Winner> {
    for (let i = this.lower(from), end = this.lower(to); i < end; i++) yield this.table.get(i);
  }

  async *blobHashes(): AsyncGenerator<string> {
    yield* this.table.blobHashes();
  }

  /** The first row whose key is at or after `bound` (keys are sorted). */
  private lower(bound: string): number {
    let lo = 0;
    let hi = this.table.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.table.key(mid) < bound) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Winners merged from the segments' key indexes and the head's tail (`keys.ts`). */
class MergedSource implements WinnerSource {
  constructor(
    private readonly bucket: ReadBucket,
    private readonly id: string,
    private readonly handles: KeysHandle[],
    private readonly tail: KeyRecord[],
  ) {}

  winners([from, to]: KeyRange): AsyncIterable<Winner> {
    return mergeWinners(this.bucket, this.id, this.handles, this.tail, from, to);
  }

  async *blobHashes(): AsyncGenerator<string> {
    // Most shares have no blob: then no merge is needed to find none.
    const any = this.handles.some((handle) => (handle.info.blobs ?? 0) > 0) || this.tail.some((r) => r.blob);
    if (!any) return;
    for await (const winner of this.winners(ALL_KEYS)) if (winner.blob !== undefined) yield winner.blob;
  }
}

/** The index of a share: its head, and the winning entry of every live key in key order. See the module doc. */
export class ShareIndex {
  constructor(
    private readonly bucket: ReadBucket,
    readonly id: string,
    readonly head: Head,
    readonly etag: string,
    /** Live keys' winners (no tombstones), in key order. */
    private readonly source: WinnerSource,
    private readonly segments: ScannedSegment[],
  ) {}

  /**
   * The stored entries of the winners with keys in `range`, in key order, read in batches (see the module doc).
   * Errors: {@link StorageError} when R2 fails or a segment changed or vanished since the index pass.
   */
  async *entries(range: KeyRange = ALL_KEYS): AsyncGenerator<[Winner, StoredEntry]> {
    for await (const [winner, text] of this.texts(range)) yield [winner, parseEntry(text)];
  }

  /**
   * The JSON texts of the stored entries of the winners with keys in `range`, as {@link entries} reads them: a
   * segment entry as stored, a tail entry serialized from the head. Errors: as {@link entries}.
   */
  async *texts(range: KeyRange = ALL_KEYS): AsyncGenerator<[Winner, string]> {
    const winners = this.source.winners(range)[Symbol.asyncIterator]();
    try {
      let next = await winners.next();
      while (!next.done) {
        let bytes = 0;
        const batch: Winner[] = [];
        while (!next.done && batch.length < STREAM_BATCH_WINNERS) {
          const winner = next.value;
          const weight = this.isRanged(winner) ? winner.end - winner.start : 0;
          if (batch.length > 0 && bytes + weight > STREAM_BATCH_BYTES) break;
          bytes += weight;
          batch.push(winner);
          next = await winners.next();
        }
        const ranged = await this.readRanged(batch);
        for (const winner of batch) yield [winner, this.text(winner, ranged.get(winner))];
      }
    } finally {
      // A reader that stops early (a client gone) closes the merge's cursors too.
      await winners.return?.(undefined);
    }
  }

  /** Whether a winner's entry is read by range (not in the tail, not in a kept segment). */
  private isRanged(winner: Winner): boolean {
    return winner.segment >= 0 && this.segments[winner.segment]!.bytes === null;
  }

  /** The entry text of a winner from the tail, a kept segment, or its bytes read by range. */
  private text(winner: Winner, ranged: Uint8Array | undefined): string {
    if (winner.segment < 0) return JSON.stringify(this.head.tail[winner.start]);
    const bytes = ranged ?? this.segments[winner.segment]!.bytes!.subarray(winner.start, winner.end);
    return decoder.decode(bytes);
  }

  /**
   * Reads the entries of `batch` that live in segments read by range: grouped by segment, ranges closer than
   * {@link COALESCE_GAP_BYTES} joined (smallest gaps first, at most {@link STREAM_BATCH_BYTES} of gaps in all), one
   * ranged GET per joined span. Returns each such winner's bytes.
   */
  private async readRanged(batch: Winner[]): Promise<Map<Winner, Uint8Array>> {
    const bySegment = new Map<number, Winner[]>();
    for (const winner of batch) {
      if (!this.isRanged(winner)) continue;
      const group = bySegment.get(winner.segment);
      if (group) group.push(winner);
      else bySegment.set(winner.segment, [winner]);
    }
    const gaps: { group: Winner[]; index: number; bytes: number }[] = [];
    for (const group of bySegment.values()) {
      group.sort((a, b) => a.start - b.start);
      for (let index = 1; index < group.length; index++) {
        const bytes = group[index]!.start - group[index - 1]!.end;
        if (bytes < COALESCE_GAP_BYTES) gaps.push({ group, index, bytes });
      }
    }
    gaps.sort((a, b) => a.bytes - b.bytes);
    const joined = new Map<Winner[], Set<number>>();
    let dropped = 0;
    for (const gap of gaps) {
      if (dropped + gap.bytes > STREAM_BATCH_BYTES) break;
      dropped += gap.bytes;
      const set = joined.get(gap.group) ?? new Set<number>();
      set.add(gap.index);
      joined.set(gap.group, set);
    }
    const spans: { segment: ScannedSegment; winners: Winner[] }[] = [];
    for (const [segmentIndex, group] of bySegment) {
      const join = joined.get(group);
      let first = 0;
      for (let last = 0; last < group.length; last++) {
        if (last + 1 < group.length && join?.has(last + 1)) continue;
        spans.push({ segment: this.segments[segmentIndex]!, winners: group.slice(first, last + 1) });
        first = last + 1;
      }
    }
    // A batch's spans are all held until it is emitted anyway, so reading them a few at a time costs no memory and
    // spares a batch over many segments one R2 round trip per span.
    const read = new Map<Winner, Uint8Array>();
    for (let at = 0; at < spans.length; at += RANGED_READS_IN_FLIGHT) {
      await Promise.all(
        spans.slice(at, at + RANGED_READS_IN_FLIGHT).map(async ({ segment, winners }) => {
          const from = winners[0]!.start;
          const bytes = await this.readSpan(segment, from, winners.at(-1)!.end);
          for (const winner of winners) read.set(winner, bytes.subarray(winner.start - from, winner.end - from));
        }),
      );
    }
    return read;
  }

  /** Bytes `[start, end)` of a segment, from the exact object the index pass read. Errors: {@link StorageError}. */
  private async readSpan(segment: ScannedSegment, start: number, end: number): Promise<Uint8Array> {
    const name = sharePrefix(this.id) + segment.info.name;
    const what = `share ${this.id}: reading ${segment.info.name}`;
    const object = await r2(what, () =>
      this.bucket.get(name, { range: { offset: start, length: end - start }, onlyIf: { etagMatches: segment.etag } }),
    );
    if (!object || !("body" in object)) {
      throw new StorageError(`share ${this.id}: ${segment.info.name} changed or vanished during the read`);
    }
    return new Uint8Array(await r2(what, () => object.arrayBuffer()));
  }

  /**
   * The JSON of a live winner's item (`entry`, from {@link entries}): inline, or its blob's text as stored (the room writes blobs with
   * `JSON.stringify`, so the text is what re-serializing the parsed item would give, without holding both).
   * Errors: {@link StorageError} for a missing blob.
   */
  async itemJson(winner: Winner, entry: StoredEntry | string): Promise<string> {
    if (typeof entry === "string") {
      const inline = inlineItemJson(winner, entry);
      if (inline !== null) return inline;
      return this.itemJson(winner, parseEntry(entry));
    }
    if ("item" in entry) return JSON.stringify(entry.item);
    if (!("ref" in entry)) throw new StorageError(`share ${this.id}: ${winner.key} has no item`);
    const object = await r2(`share ${this.id}: reading blob ${entry.ref.hash}`, () =>
      this.bucket.get(blobKey(this.id, entry.ref.hash)),
    );
    if (!object) throw new StorageError(`share ${this.id}: blob ${entry.ref.hash} is missing`);
    return r2(`share ${this.id}: reading blob ${entry.ref.hash}`, () => object.text());
  }

  /** The item of a live winner, parsed. Errors: as {@link itemJson}. */
  async item(winner: Winner, entry: StoredEntry): Promise<Item> {
    return "item" in entry ? entry.item : (JSON.parse(await this.itemJson(winner, entry)) as Item);
  }

  /** Checks that every blob the winners reference exists (one R2 HEAD each). Errors: {@link StorageError}. */
  async checkBlobs(): Promise<void> {
    for await (const hash of this.source.blobHashes()) {
      const object = await r2(`share ${this.id}: checking blob ${hash}`, () =>
        this.bucket.head(blobKey(this.id, hash)),
      );
      if (!object) throw new StorageError(`share ${this.id}: blob ${hash} is missing`);
    }
  }

  /** The range of the keys that start with `prefix`. */
  range(prefix: string): KeyRange {
    return [prefix, `${prefix}${ALL_KEYS[1]}`];
  }
}

/**
 * `{"key":<string>,"seq":<integer>,` and then `"item":`, `"ref":{…}` or `"removed":true`: how the room writes every
 * stored entry (`storedEntryJson` in `room/live.ts`), fields in that order.
 */
const ENTRY_START = /^\{"key":("(?:[^"\\]|\\.)*"),"seq":(\d+),"(item|ref|removed)":/;
const REF_HASH = /^\{"hash":"([0-9a-f]{64})"/;

/** Bytes of an entry's start decoded to find its {@link Place}: its key (at most a few hundred bytes) and seq. */
const PLACE_PREFIX_BYTES = 1024;

/**
 * The {@link Place} of a stored entry from its first bytes alone, or from the whole entry parsed when it is not
 * written in the room's field order (a hand-written or older segment). Errors: `SyntaxError` for bytes that are not
 * an entry.
 */
export function entryPlace(bytes: Uint8Array): Place {
  const start = decoder.decode(bytes.subarray(0, PLACE_PREFIX_BYTES));
  const match = ENTRY_START.exec(start);
  if (match) {
    const key = ownString(JSON.parse(match[1]!) as string);
    const seq = Number(match[2]);
    if (match[3] === "removed") return { key, seq, removed: true };
    if (match[3] === "item") return { key, seq, removed: false };
    const hash = REF_HASH.exec(start.slice(match[0].length))?.[1];
    if (hash) return { key, seq, removed: false, blob: ownString(hash) };
  }
  return placeOf(JSON.parse(decoder.decode(bytes)) as StoredEntry);
}

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 represents a slice or a regex capture of
 * 13 or more characters as a view of its source, so a key kept from an entry's decoded prefix would keep that whole
 * prefix (up to {@link PLACE_PREFIX_BYTES}) alive for as long as the index lives.
 */
function ownString(text: string): string {
  return decoder.decode(encoder.encode(text));
}

/** The {@link Place} of a parsed stored entry. */
function placeOf(entry: StoredEntry): Place {
  const removed = "removed" in entry && entry.removed === true;
  return { key: entry.key, seq: entry.seq, removed, blob: !removed && "ref" in entry ? entry.ref.hash : undefined };
}

/** A stored entry parsed from its text. */
function parseEntry(text: string): StoredEntry {
  return JSON.parse(text) as StoredEntry;
}

/**
 * The item JSON inside an entry text written as `{"key":…,"seq":…,"item":<item>}` or `…,"item":<item>,"epoch":<n>}`
 * (the room's field order), sliced out without parsing it; `null` for any other entry (a blob reference, a hand-written
 * order), which the caller parses instead.
 */
function inlineItemJson(winner: Winner, text: string): string | null {
  const prefix = `{"key":${JSON.stringify(winner.key)},"seq":${winner.seq},"item":`;
  if (!text.startsWith(prefix)) return null;
  // An item is a JSON object, so it ends in `}`: a trailing `,"epoch":<digits>}` can only be the entry's own field.
  const epoch = /,"epoch":\d+\}$/.exec(text);
  const end = epoch ? epoch.index : text.length - 1;
  const item = text.slice(prefix.length, end);
  return item.startsWith("{") && item.endsWith("}") ? item : null;
}

/**
 * Builds the {@link ShareIndex} of share `id` (the index pass). Returns `null` when the share has no head (never
 * created, or deleted). A segment can vanish between reading the head and reading it (a compaction replaced it and
 * its grace period ran out); the read then starts over, up to three times. `ifNoneMatch`: when it names the head's
 * ETag the segments are not read and `{notModified: etag}` is returned.
 * Errors: {@link StorageError} (see the module doc).
 */
export async function openShare(
  bucket: ReadBucket,
  id: string,
  options: { ifNoneMatch?: string | null } = {},
): Promise<ShareIndex | { notModified: string } | null> {
  const { ifNoneMatch } = options;
  for (let attempt = 0; attempt < 3; attempt++) {
    const read = await readHead(bucket, id);
    if (!read) return null;
    const { head, etag } = read;
    if (etagMatches(ifNoneMatch, etag)) return { notModified: etag };
    if (head.segments.every((info) => typeof info.keys === "number")) {
      const handles = await openKeyIndexes(bucket, id, head.segments);
      if (!handles) continue;
      const segments = handles.map((handle) => ({
        info: handle.info,
        etag: handle.header.etag,
        size: handle.info.bytes,
        bytes: null,
      }));
      const tail = head.tail.map((entry, index) => keyRecord(placeOf(entry as StoredEntry), index));
      return new ShareIndex(bucket, id, head, etag, new MergedSource(bucket, id, handles, tail), segments);
    }
    const latest = new WinnerTableBuilder();
    const segments: ScannedSegment[] = [];
    let kept = 0;
    let missing = false;
    for (const [index, info] of head.segments.entries()) {
      const object = await r2(`share ${id}: reading ${info.name}`, () => bucket.get(sharePrefix(id) + info.name));
      if (!object) {
        missing = true;
        break;
      }
      const keep = kept + object.size <= KEEP_SEGMENT_BYTES;
      const chunks: Uint8Array[] = [];
      const body = keep
        ? object.body.pipeThrough(
            new TransformStream<Uint8Array, Uint8Array>({
              transform(chunk, controller) {
                chunks.push(chunk);
                controller.enqueue(chunk);
              },
            }),
          )
        : object.body;
      await r2(`share ${id}: reading ${info.name}`, () =>
        scanEntries(body, (bytes, start, end) => {
          latest.consider(entryPlace(bytes), index, start, end);
        }),
      );
      if (keep) kept += object.size;
      segments.push({ info, etag: object.etag, size: object.size, bytes: keep ? concat(chunks) : null });
    }
    if (missing) continue;
    for (const [index, entry] of head.tail.entries()) latest.consider(placeOf(entry as StoredEntry), -1, index, index);
    return new ShareIndex(bucket, id, head, etag, new TableSource(latest.build()), segments);
  }
  throw new StorageError(`share ${id}: a segment the head names is missing`);
}

/**
 * The key indexes of `segments`, a few at a time, each checked against its segment (one HEAD: it exists, and is the
 * object the index describes), so a missing segment fails the read before its first byte; `null` when an index or
 * a segment is missing or was rewritten (the caller reads the head again). Errors: {@link StorageError}.
 */
async function openKeyIndexes(bucket: ReadBucket, id: string, segments: SegmentInfo[]): Promise<KeysHandle[] | null> {
  const handles: KeysHandle[] = [];
  const open = async (info: SegmentInfo, index: number) => {
    const [handle, object] = await Promise.all([
      openKeys(bucket, id, index, info),
      r2(`share ${id}: checking ${info.name}`, () => bucket.head(sharePrefix(id) + info.name)),
    ]);
    return handle && object && object.etag === handle.header.etag ? handle : null;
  };
  // Each segment takes two requests at once.
  const inFlight = RANGED_READS_IN_FLIGHT / 2;
  for (let at = 0; at < segments.length; at += inFlight) {
    const opened = await Promise.all(segments.slice(at, at + inFlight).map((info, offset) => open(info, at + offset)));
    for (const handle of opened) {
      if (!handle) return null;
      handles.push(handle);
    }
  }
  return handles;
}

/** A tail entry's {@link Place} as a key index record, at index `index` of the tail. */
function keyRecord(place: Place, index: number): KeyRecord {
  const kind = place.removed ? KIND_REMOVED : place.blob !== undefined ? KIND_REF : KIND_ITEM;
  return { key: place.key, seq: place.seq, start: index, end: index, kind, blob: place.blob };
}

/**
 * The body of `GET /api/share/:id/snapshot` ({@link ShareSnapshot}), as JSON text pieces: byte for byte what
 * `JSON.stringify` of the whole snapshot gives, entries in key order.
 */
export async function* snapshotJson(index: ShareIndex): AsyncGenerator<string> {
  const { head } = index;
  yield `{"id":${JSON.stringify(head.id)},"createdAt":${JSON.stringify(head.createdAt)},"updatedAt":${JSON.stringify(head.updatedAt)},"seq":${JSON.stringify(head.seq)},"entries":[`;
  let first = true;
  for await (const [, text] of index.texts()) {
    yield (first ? "" : ",") + text;
    first = false;
  }
  yield "]}";
}

/**
 * The body of `GET /api/share/:id/data`: `Item[]` in key order, every item stored by reference loaded from its
 * blob, one at a time; byte for byte what `JSON.stringify` of the whole array gives.
 */
export async function* itemsJson(index: ShareIndex): AsyncGenerator<string> {
  yield "[";
  let first = true;
  for await (const [winner, text] of index.texts()) {
    yield (first ? "" : ",") + (await index.itemJson(winner, text));
    first = false;
  }
  yield "]";
}

/** Items of the winners with keys in `range`, one at a time, each with its key. */
export async function* itemsIn(index: ShareIndex, range: KeyRange): AsyncGenerator<[string, Item]> {
  for await (const [winner, entry] of index.entries(range)) yield [winner.key, await index.item(winner, entry)];
}

/**
 * A response body streamed from JSON text pieces, about 64 KiB per chunk, pulled as the client reads (so memory
 * stays bounded by the read, not the body). A failure mid-body errors the stream (logged): the client gets a broken
 * transfer, never a truncated body that parses.
 */
export function jsonStream(pieces: AsyncIterator<string>, what: string): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let buffered = "";
      try {
        while (buffered.length < 64 * 1024) {
          const next = await pieces.next();
          if (next.done) {
            if (buffered) controller.enqueue(encoder.encode(buffered));
            controller.close();
            return;
          }
          buffered += next.value;
        }
        controller.enqueue(encoder.encode(buffered));
      } catch (error) {
        console.error(`${what}: the body failed mid-stream:`, error);
        controller.error(error);
      }
    },
    async cancel() {
      await pieces.return?.(undefined);
    },
  });
}

/** Candidate entry starts tried, at most, in a suffix before {@link readNewestEntries} falls back to the whole. */
const NEWEST_CANDIDATES = 16;

/**
 * Entries {@link readNewestEntries} wants, at least, before it settles for the shorter read: a few large tool
 * outputs can fill the last 256 KiB, and a first screen of two entries is not one.
 */
const NEWEST_MIN_ENTRIES = 8;

/**
 * The newest entries in `suffix`, the last bytes of segment `lo`..`hi` (its text ends `]}`), as a segment body
 * `{"lo","hi","newest":true,"entries":[…]}` holding the stored bytes of every entry after the first entry start
 * found in it; `undefined` when none is found. An entry start is `,{"key":"` (segments are written so, see
 * `storedEntryJson`): inside a string that sequence is escaped, so only an array of objects in an item can
 * imitate it, and such a false start never parses as a list up to the segment's end (its closing brackets do not
 * balance); every entry is also checked for a key and a seq within the segment's range.
 */
export function newestEntriesJson(
  suffix: string,
  lo: number,
  hi: number,
): { json: string; entries: number } | undefined {
  if (!suffix.endsWith("]}")) return undefined;
  let at = suffix.indexOf(',{"key":"');
  for (let tries = 0; at !== -1 && tries < NEWEST_CANDIDATES; tries++, at = suffix.indexOf(',{"key":"', at + 1)) {
    const body = suffix.slice(at + 1, -2);
    let entries: unknown;
    try {
      entries = JSON.parse(`[${body}]`);
    } catch {
      continue;
    }
    const inRange = (entry: unknown) => {
      const { key, seq } = (entry ?? {}) as { key?: unknown; seq?: unknown };
      return typeof key === "string" && Number.isSafeInteger(seq) && (seq as number) >= lo && (seq as number) <= hi;
    };
    if (Array.isArray(entries) && entries.length > 0 && entries.every(inRange))
      return { json: `{"lo":${lo},"hi":${hi},"newest":true,"entries":[${body}]}`, entries: entries.length };
  }
  return undefined;
}

/**
 * Segment `name` (`segments/<lo>-<hi>.json`) of share `id`, or its newest entries only ({@link newestEntriesJson}
 * over its last {@link NEWEST_ENTRIES_BYTES}; over four times as many when that holds fewer than
 * {@link NEWEST_MIN_ENTRIES} entries): a string body, or the whole segment's R2 object when it is no larger than
 * the bytes read, or when no entry starts in them (its last entry is larger). `null`: no such segment. Errors:
 * {@link StorageError} when R2 fails.
 */
export async function readNewestEntries(
  bucket: ReadBucket,
  id: string,
  name: string,
  [lo, hi]: [number, number],
): Promise<string | R2ObjectBody | null> {
  const key = sharePrefix(id) + name;
  let found: { json: string; entries: number } | undefined;
  for (const suffix of [NEWEST_ENTRIES_BYTES, 4 * NEWEST_ENTRIES_BYTES]) {
    const object = await r2(`share ${id}: reading the end of ${name}`, () => bucket.get(key, { range: { suffix } }));
    if (!object) return null;
    if (object.size <= suffix) return object;
    found = newestEntriesJson(await object.text(), lo, hi) ?? found;
    if (found && found.entries >= NEWEST_MIN_ENTRIES) return found.json;
  }
  if (found) return found.json;
  return r2(`share ${id}: reading ${name}`, () => bucket.get(key));
}

/** Reads one stored blob, or `null` when there is none. Errors: {@link StorageError} when R2 fails. */
export async function readBlob(bucket: ReadBucket, id: string, hash: string): Promise<R2ObjectBody | null> {
  return r2(`share ${id}: reading blob ${hash}`, () => bucket.get(blobKey(id, hash)));
}
