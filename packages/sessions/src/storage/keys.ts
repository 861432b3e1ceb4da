/**
 * Segment key indexes: `segments/<lo>-<hi>.keys` beside each segment (`layout.ts`), and the read that merges them,
 * so that a read of a share never holds every key at once (docs/storage.md, "Key indexes").
 *
 * A key index is text: one header line, then one line per entry of its segment, sorted by key (JavaScript string
 * order, as `WinnerTable` sorts):
 *
 * - header: `{"version":1,"segment":<name>,"etag":<the segment object's R2 ETag>,"entries":<n>,"blocks":[[<key>,
 *   <offset>],…]}` — `blocks` names the first key of every run of about {@link KEYS_BLOCK_BYTES} of lines and the
 *   byte offset of its line, counted from the end of the header line, so a read can start at a key;
 * - an entry: `[<key>,<seq>,<start>,<end>,<kind>]` or, for a blob reference, `[…,1,<sha256>]`: the entry's byte
 *   range `[start, end)` in the segment object and its kind ({@link KIND_ITEM}, {@link KIND_REF},
 *   {@link KIND_REMOVED}).
 *
 * A read opens every index of the head ({@link openKeys}: one ranged GET of its header each), then merges them with
 * the head's tail in key order ({@link mergeWinners}): per key the entry with the highest seq wins, a winning
 * tombstone drops the key. Each index is read in ranged pieces of {@link KEYS_CHUNK_BYTES}, so a read holds one
 * piece per segment — a 512 MiB share has at most about 130 segments, so about 2 MiB — whatever the number of keys.
 */
import { type SegmentInfo, segmentKeysName, sharePrefix } from "./layout";
import { type ReadBucket, r2, StorageError } from "./r2";
import type { Winner } from "./winners";

/** Key index format version written in every header. */
export const KEYS_VERSION = 1;
/** About this many bytes of entry lines per block of the header's `blocks`. */
export const KEYS_BLOCK_BYTES = 16 * 1024;
/** A key index is read in ranged GETs of this many bytes. */
export const KEYS_CHUNK_BYTES = 16 * 1024;

/** An entry holding its item inline. */
export const KIND_ITEM = 0;
/** An entry referencing a blob (`blobs/<sha256>.json`). */
export const KIND_REF = 1;
/** A tombstone: the key was removed. */
export const KIND_REMOVED = 2;

/** One entry of a segment as its key index lists it. `start`/`end`: its byte range in the segment object. */
export interface KeyRecord {
  key: string;
  seq: number;
  start: number;
  end: number;
  kind: typeof KIND_ITEM | typeof KIND_REF | typeof KIND_REMOVED;
  /** SHA-256 hex of the blob, for {@link KIND_REF}. */
  blob?: string;
}

/** The header line of a key index (see the module doc). */
export interface KeysHeader {
  version: number;
  segment: string;
  etag: string;
  entries: number;
  blocks: [string, number][];
}

const encoder = new TextEncoder();

function utf8Bytes(text: string): number {
  // Keys are ids of ASCII characters (`ID_PATTERN`), so the encoder runs only for a line that is not.
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return encoder.encode(text).byteLength;
  return text.length;
}

const byKey = (a: KeyRecord, b: KeyRecord) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The text of the key index of segment `segment` whose object has the R2 ETag `etag`, listing `records` (any
 * order; sorted here, in place). Memory: one line per entry, as a segment of at most 8 MiB has (a few thousand).
 */
export function keysText(segment: string, etag: string, records: KeyRecord[]): string {
  records.sort(byKey);
  const lines: string[] = [];
  const blocks: [string, number][] = [];
  let offset = 0;
  let blockAt = -KEYS_BLOCK_BYTES;
  for (const record of records) {
    const fields: (string | number)[] = [record.key, record.seq, record.start, record.end, record.kind];
    if (record.kind === KIND_REF && record.blob !== undefined) fields.push(record.blob);
    const line = `${JSON.stringify(fields)}\n`;
    if (offset - blockAt >= KEYS_BLOCK_BYTES) {
      blocks.push([record.key, offset]);
      blockAt = offset;
    }
    lines.push(line);
    offset += utf8Bytes(line);
  }
  const header: KeysHeader = { version: KEYS_VERSION, segment, etag, entries: records.length, blocks };
  return `${JSON.stringify(header)}\n${lines.join("")}`;
}

/** An opened key index: its segment's place in the head, its header, and what reading it on needs. */
export interface KeysHandle {
  /** Index of the segment in the head's `segments`. */
  segment: number;
  info: SegmentInfo;
  header: KeysHeader;
  /** Byte offset of the first entry line (the header line's length). */
  bodyStart: number;
  /** The key index object's own R2 ETag: every later piece is read from that exact object. */
  etag: string;
}

/**
 * Reads the header of the key index of segment `info` (index `segment` in the head) of share `id`: `null` when the
 * object is missing (a compaction replaced the segment; the caller reads the head again). Errors:
 * {@link StorageError} when R2 fails or the header is not one for that segment.
 */
export async function openKeys(
  bucket: ReadBucket,
  id: string,
  segment: number,
  info: SegmentInfo,
): Promise<KeysHandle | null> {
  const name = sharePrefix(id) + segmentKeysName(info.name);
  const what = `share ${id}: reading ${segmentKeysName(info.name)}`;
  const size = info.keys ?? 0;
  let length = Math.min(size, 4096);
  for (;;) {
    const object = await r2(what, () => bucket.get(name, { range: { offset: 0, length } }));
    if (!object) return null;
    if (object.size !== size) throw new StorageError(`${what}: its size is not the one the head lists`);
    const text = await r2(what, () => object.text());
    const newline = text.indexOf("\n");
    if (newline < 0 && length < size) {
      length = Math.min(size, length * 4);
      continue;
    }
    try {
      if (newline < 0) throw new Error("no header line");
      const header = JSON.parse(text.slice(0, newline)) as KeysHeader;
      if (header.version !== KEYS_VERSION || header.segment !== info.name || !Array.isArray(header.blocks)) {
        throw new Error("not this segment's key index");
      }
      return { segment, info, header, bodyStart: utf8Bytes(text.slice(0, newline + 1)), etag: object.etag };
    } catch (error) {
      throw new StorageError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Where a merge reads entries from: a key index, or the head's tail. `current` is its next entry in key order. */
interface RecordSource {
  current: KeyRecord | undefined;
  /** The segment index of a {@link Winner} from this source (-1: the tail). */
  readonly segment: number;
  advance(): Promise<void> | void;
}

/** Reads one key index in order from its first key at or after `from`, one piece at a time. */
class KeysCursor implements RecordSource {
  current: KeyRecord | undefined;
  readonly segment: number;
  private readonly decoder = new TextDecoder();
  private text = "";
  private at = 0;
  private next: number;

  constructor(
    private readonly bucket: ReadBucket,
    private readonly id: string,
    private readonly handle: KeysHandle,
    from: string,
  ) {
    this.segment = handle.segment;
    // The last block starting at or before `from` holds its first key at or after `from`, if any.
    let offset = 0;
    for (const [key, at] of handle.header.blocks) if (key <= from) offset = at;
    this.next = handle.bodyStart + offset;
  }

  /** Reads up to the first entry at or after `from` (the constructor's). */
  async start(from: string): Promise<void> {
    do await this.advance();
    while (this.current !== undefined && this.current.key < from);
  }

  async advance(): Promise<void> {
    const size = this.handle.info.keys ?? 0;
    let newline = this.text.indexOf("\n", this.at);
    while (newline < 0 && this.next < size) {
      await this.read(size);
      newline = this.text.indexOf("\n", this.at);
    }
    if (newline < 0) {
      this.current = undefined;
      this.text = "";
      return;
    }
    const line = this.text.slice(this.at, newline);
    this.at = newline + 1;
    try {
      const [key, seq, start, end, kind, blob] = JSON.parse(line) as [string, number, number, number, number, string?];
      this.current = { key, seq, start, end, kind: kind as KeyRecord["kind"], blob };
    } catch {
      throw new StorageError(`share ${this.id}: ${segmentKeysName(this.handle.info.name)} is not readable`);
    }
  }

  /** Appends the next piece of the object to the text not yet parsed. */
  private async read(size: number): Promise<void> {
    const name = sharePrefix(this.id) + segmentKeysName(this.handle.info.name);
    const what = `share ${this.id}: reading ${segmentKeysName(this.handle.info.name)}`;
    const length = Math.min(KEYS_CHUNK_BYTES, size - this.next);
    const object = await r2(what, () =>
      this.bucket.get(name, { range: { offset: this.next, length }, onlyIf: { etagMatches: this.handle.etag } }),
    );
    if (!object || !("body" in object)) {
      throw new StorageError(`share ${this.id}: ${segmentKeysName(this.handle.info.name)} changed or vanished`);
    }
    const bytes = new Uint8Array(await r2(what, () => object.arrayBuffer()));
    if (bytes.byteLength === 0) throw new StorageError(`${what}: the object is shorter than the head says`);
    this.next += bytes.byteLength;
    this.text = this.text.slice(this.at) + this.decoder.decode(bytes, { stream: this.next < size });
    this.at = 0;
  }
}

/** The head's tail as a source: its entries sorted by key (it is bounded: `TAIL_INLINE_MAX_BYTES`). */
class TailSource implements RecordSource {
  current: KeyRecord | undefined;
  readonly segment = -1;
  private at = 0;
  private readonly records: KeyRecord[];

  constructor(records: KeyRecord[], from: string) {
    this.records = records.filter((record) => record.key >= from).sort(byKey);
    this.current = this.records[0];
  }

  advance(): void {
    this.current = this.records[++this.at];
  }
}

/** A binary min-heap of sources by their current key. */
class SourceHeap {
  private readonly items: RecordSource[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): RecordSource | undefined {
    return this.items[0];
  }

  push(source: RecordSource): void {
    const items = this.items;
    items.push(source);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]!.current!.key <= items[i]!.current!.key) break;
      [items[parent], items[i]] = [items[i]!, items[parent]!];
      i = parent;
    }
  }

  pop(): RecordSource | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let least = i;
        if (left < items.length && items[left]!.current!.key < items[least]!.current!.key) least = left;
        if (right < items.length && items[right]!.current!.key < items[least]!.current!.key) least = right;
        if (least === i) break;
        [items[least], items[i]] = [items[i]!, items[least]!];
        i = least;
      }
    }
    return top;
  }
}

/** Key indexes opened at most this many at a time (a Worker has 6 connections open at once). */
const OPENS_IN_FLIGHT = 6;

/**
 * The live winners with keys in `[from, to)`, in key order: the key indexes `handles` merged with the head's tail
 * (`tail`, each entry's record with `start` = `end` = its index in the tail). Holds one piece of each index.
 * Errors: {@link StorageError} when R2 fails or an index changed or vanished.
 */
export async function* mergeWinners(
  bucket: ReadBucket,
  id: string,
  handles: KeysHandle[],
  tail: KeyRecord[],
  from: string,
  to: string,
): AsyncGenerator<Winner> {
  const heap = new SourceHeap();
  const enter = (source: RecordSource) => {
    if (source.current !== undefined && source.current.key < to) heap.push(source);
  };
  enter(new TailSource(tail, from));
  for (let at = 0; at < handles.length; at += OPENS_IN_FLIGHT) {
    const cursors = handles.slice(at, at + OPENS_IN_FLIGHT).map((handle) => new KeysCursor(bucket, id, handle, from));
    await Promise.all(cursors.map((cursor) => cursor.start(from)));
    for (const cursor of cursors) enter(cursor);
  }
  while (heap.size > 0) {
    const first = heap.pop()!;
    let best = first.current!;
    let segment = first.segment;
    const same = [first];
    while (heap.size > 0 && heap.peek()!.current!.key === best.key) {
      const other = heap.pop()!;
      if (other.current!.seq > best.seq) {
        best = other.current!;
        segment = other.segment;
      }
      same.push(other);
    }
    if (best.kind !== KIND_REMOVED) {
      const winner: Winner = {
        key: best.key,
        seq: best.seq,
        segment,
        start: best.start,
        end: best.end,
        removed: false,
      };
      if (best.kind === KIND_REF && best.blob !== undefined) winner.blob = best.blob;
      yield winner;
    }
    for (const source of same) {
      await source.advance();
      enter(source);
    }
  }
}
