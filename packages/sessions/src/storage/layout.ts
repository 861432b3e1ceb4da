/**
 * The R2 layout of a share (documented in `docs/storage.md`). Every object of share `<id>` lives under
 * `shares/<id>/`, so deleting a share is one prefix listing:
 *
 * - `shares/<id>/head.json` — {@link Head}: share metadata, the list of segments, and the *tail* (entries changed
 *   since the newest segment, inline, and the header entries `session` and `model` whatever their seq). Rewritten by the share's `ShareRoom` at most once per {@link FLUSH_DELAY_MS}.
 * - `shares/<id>/segments/<lo>-<hi>.json` — {@link Segment}: the entries whose last change has a seq in (lo, hi],
 *   at most {@link SEGMENT_MAX_BYTES}. Immutable; replaced only by merged segments covering the same range.
 *   Entries are {@link StoredEntry}: removed keys appear as tombstones until a merge from seq 0 drops them.
 * - `shares/<id>/segments/<lo>-<hi>.keys` — the segment's key index ({@link segmentKeysName}, `storage/keys.ts`):
 *   where each of its entries lies, sorted by key, so a read merges the indexes instead of holding every key.
 *   Written after its segment, collected with it.
 * - `shares/<id>/blobs/<sha256>.json` — the JSON of one item over `INLINE_ITEM_MAX_BYTES`, written once.
 */
import type { Entry } from "@shareroom/shared";

/** The ShareRoom writes R2 at most this often (ms): R2 allows about one write per second to one key. */
export const FLUSH_DELAY_MS = 1_000;

/**
 * The tail stays inline in the head while its entries add up to at most this many bytes of JSON; past it, the
 * flush appends it as a new segment. Every flush rewrites the head, so this bounds what a flush rewrites (about one
 * CLI batch: the bench's batches average 18 KB of changes).
 */
export const TAIL_INLINE_MAX_BYTES = 16 * 1024;

/**
 * Small segments (under {@link SMALL_SEGMENT_BYTES}) are merged this many at a time (or into the next segment that is
 * not small), and every trailing segment that is not final merges into a final one once they add up to half of
 * {@link SEGMENT_MAX_BYTES}; segments from half the maximum up are final. So each byte is written at most three
 * times in segments (appended, merged once among small ones, merged once into a final segment), and a share has at
 * most `factor − 1` small and 31 larger unfinished segments besides its final ones (docs/storage.md, "Compaction").
 */
export const SEGMENT_TIER_FACTOR = 8;

/** Segments under this many bytes are *small*: {@link SEGMENT_TIER_FACTOR} of them merge into one (a flush appends only tails over {@link TAIL_INLINE_MAX_BYTES}, so that one is not small). */
export const SMALL_SEGMENT_BYTES = SEGMENT_TIER_FACTOR * TAIL_INLINE_MAX_BYTES;

/**
 * A segment object is at most this many bytes (its entries as written, envelopes included; a single entry is
 * about 1 MiB at most), so writing, merging and reading one is a bounded step whatever the share's size: a 512 MiB
 * share has 64–128 final segments (from half this size up), and a few dozen smaller ones at most.
 */
export const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;

/** Replaced segments are deleted this long after the head stops naming them (ms), so in-flight readers finish. */
export const SEGMENT_GRACE_MS = 60_000;

/**
 * A share with no sync for this long (ms) is compacted: R2 gets it as at most one segment and the ShareRoom drops
 * its item rows, so an idle share costs (almost) nothing in Durable Object storage. The next sync loads them back.
 */
export const IDLE_COMPACT_MS = 10 * 60_000;

/** Format version written into every head. */
export const HEAD_VERSION = 1;

/**
 * A segment as listed in the head. `bytes` is the size of the segment object (its JSON, entry keys, seqs and its
 * own envelope included), at most {@link SEGMENT_MAX_BYTES}.
 */
export interface SegmentInfo {
  name: string;
  lo: number;
  hi: number;
  bytes: number;
  /**
   * Size of the segment's key index object ({@link segmentKeysName}) in bytes; absent for segments written before
   * key indexes, which readers scan instead.
   */
  keys?: number;
  /** How many of the segment's entries are blob references; absent when none. */
  blobs?: number;
}

/**
 * An entry as R2 keeps it: an `Entry` (`packages/shared/src/api.ts`) with the merge rule's bookkeeping (`epoch`;
 * `progress` for blob references, whose item the room cannot read back cheaply), or a tombstone for a removed key.
 * Readers take the highest seq per key, then drop tombstones.
 */
export type StoredEntry = (Entry & { progress?: number[] }) | { key: string; seq: number; removed: true };

/** `shares/<id>/head.json`. Times are Unix ms; `seq` is the share's seq when the head was written. */
export interface Head {
  version: number;
  id: string;
  createdAt: number;
  updatedAt: number;
  seq: number;
  segments: SegmentInfo[];
  /** {@link StoredEntry} values, tombstones included (typed as `Entry` for readers written before tombstones). */
  tail: Entry[];
}

/** `shares/<id>/segments/<lo>-<hi>.json`. */
export interface Segment {
  lo: number;
  hi: number;
  /** {@link StoredEntry} values, tombstones included. */
  entries: Entry[];
}

/** Prefix of every R2 object of share `id`. */
export function sharePrefix(id: string): string {
  return `shares/${id}/`;
}

/** Key of the head object of share `id`. */
export function headKey(id: string): string {
  return `${sharePrefix(id)}head.json`;
}

/** Object name of the segment covering seq (lo, hi]; zero-padded so names sort by range. */
export function segmentName(lo: number, hi: number): string {
  return `segments/${String(lo).padStart(12, "0")}-${String(hi).padStart(12, "0")}.json`;
}

/** Object name of the key index of segment `name` (`segments/<lo>-<hi>.json` → `segments/<lo>-<hi>.keys`). */
export function segmentKeysName(name: string): string {
  return name.replace(/\.json$/, ".keys");
}

/** Key of blob `hash` (SHA-256 hex of the item JSON) of share `id`. */
export function blobKey(id: string, hash: string): string {
  return `${sharePrefix(id)}blobs/${hash}.json`;
}
