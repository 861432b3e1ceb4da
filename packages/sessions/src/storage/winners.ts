/**
 * The key index of a read (`storage/read.ts`): per live key, where its winning entry lies. It is the one part of a
 * read that grows with the share, so it is kept in columns — typed arrays for the numbers (29 bytes a row), one
 * string per key, and the blob hashes of the few keys stored by reference — rather than one object per key with its
 * header and seven fields. What stays per key is then its key's characters and about 33 bytes; while the table is
 * built, also a map slot per key. docs/storage.md ("First screen and memory, measured") has what a read holds.
 */

/** Where the winning entry of one key lives: in the head's tail (`segment` -1) or a byte range of a segment. */
export interface Winner {
  key: string;
  seq: number;
  segment: number;
  /** Index in the tail, or byte range in the segment object. */
  start: number;
  end: number;
  removed: boolean;
  /** SHA-256 of the blob, for entries stored by reference. */
  blob?: string;
}

/** What the index needs of a stored entry: its key and seq, whether it is a tombstone, its blob's hash if any. */
export interface Place {
  key: string;
  seq: number;
  removed: boolean;
  blob?: string;
}

/** The winners of a share's live keys, sorted by key, in columns. Read with {@link WinnerTable.get}. */
export class WinnerTable {
  constructor(
    private readonly keys: string[],
    private readonly seqs: Float64Array,
    private readonly segments: Int32Array,
    private readonly starts: Float64Array,
    private readonly ends: Float64Array,
    /** Blob hash by row, for the rows stored by reference. */
    private readonly blobs: Map<number, string>,
  ) {}

  /** Live keys. */
  get length(): number {
    return this.keys.length;
  }

  /** The key of row `i` (`0 ≤ i < length`). */
  key(i: number): string {
    return this.keys[i]!;
  }

  /** Row `i` as a {@link Winner} (a new object each call). */
  get(i: number): Winner {
    const winner: Winner = {
      key: this.keys[i]!,
      seq: this.seqs[i]!,
      segment: this.segments[i]!,
      start: this.starts[i]!,
      end: this.ends[i]!,
      removed: false,
    };
    const blob = this.blobs.get(i);
    if (blob !== undefined) winner.blob = blob;
    return winner;
  }

  /** Rows `[from, to)` as {@link Winner}s. */
  slice(from: number, to: number): Winner[] {
    const rows: Winner[] = [];
    for (let i = from; i < to; i++) rows.push(this.get(i));
    return rows;
  }

  /** The blob hashes the rows reference, in row order. */
  blobHashes(): string[] {
    return [...this.blobs.entries()].sort((a, b) => a[0] - b[0]).map(([, hash]) => hash);
  }
}

/**
 * Builds a {@link WinnerTable} from the places of stored entries in any order: per key, the entry with the highest
 * seq wins, and a winning tombstone removes the key.
 */
export class WinnerTableBuilder {
  private readonly slots = new Map<string, number>();
  private readonly keys: string[] = [];
  private seqs = new Float64Array(1024);
  private segments = new Int32Array(1024);
  private starts = new Float64Array(1024);
  private ends = new Float64Array(1024);
  private removed = new Uint8Array(1024);
  private readonly blobs = new Map<number, string>();

  /** Counts `place` (an entry of segment `segment`, -1 for the head's tail, at `[start, end)`) if it is newer. */
  consider(place: Place, segment: number, start: number, end: number): void {
    let slot = this.slots.get(place.key);
    if (slot === undefined) {
      slot = this.keys.length;
      if (slot === this.seqs.length) this.grow();
      this.slots.set(place.key, slot);
      this.keys.push(place.key);
    } else if (this.seqs[slot]! >= place.seq) return;
    this.seqs[slot] = place.seq;
    this.segments[slot] = segment;
    this.starts[slot] = start;
    this.ends[slot] = end;
    this.removed[slot] = place.removed ? 1 : 0;
    if (place.blob !== undefined && !place.removed) this.blobs.set(slot, place.blob);
    else this.blobs.delete(slot);
  }

  /** The live keys' winners, sorted by key. The builder is spent afterwards. */
  build(): WinnerTable {
    const live: number[] = [];
    for (let slot = 0; slot < this.keys.length; slot++) if (this.removed[slot] === 0) live.push(slot);
    const keys = this.keys;
    live.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    this.slots.clear();
    const count = live.length;
    const table = {
      keys: new Array<string>(count),
      seqs: new Float64Array(count),
      segments: new Int32Array(count),
      starts: new Float64Array(count),
      ends: new Float64Array(count),
      blobs: new Map<number, string>(),
    };
    live.forEach((slot, row) => {
      table.keys[row] = keys[slot]!;
      table.seqs[row] = this.seqs[slot]!;
      table.segments[row] = this.segments[slot]!;
      table.starts[row] = this.starts[slot]!;
      table.ends[row] = this.ends[slot]!;
      const blob = this.blobs.get(slot);
      if (blob !== undefined) table.blobs.set(row, blob);
    });
    return new WinnerTable(table.keys, table.seqs, table.segments, table.starts, table.ends, table.blobs);
  }

  private grow(): void {
    const size = this.seqs.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.seqs = grown(this.seqs, new Float64Array(size));
    this.segments = grown(this.segments, new Int32Array(size));
    this.starts = grown(this.starts, new Float64Array(size));
    this.ends = grown(this.ends, new Float64Array(size));
    this.removed = grown(this.removed, new Uint8Array(size));
  }
}
