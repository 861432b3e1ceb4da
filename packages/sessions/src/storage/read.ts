/**
 * Reading a share from R2 alone — no Durable Object involved. A read costs one GET of the head plus one GET per
 * segment (at most `MAX_SEGMENTS`, none at all while the share is under `TAIL_INLINE_MAX_BYTES`), whatever the
 * number of items.
 */
import type { Entry, Item, ShareSnapshot } from "@shareroom/shared";
import { blobKey, type Head, headKey, type Segment, sharePrefix } from "./layout";

/** Thrown when a share's objects are inconsistent in a way a retry does not fix. */
export class StorageError extends Error {}

/**
 * Reads share `id` and merges its head and segments into one entry per key (the highest seq wins).
 * Returns `null` when the share does not exist (never created, or deleted).
 * A segment can vanish between reading the head and reading it (a compaction replaced it and its grace period
 * ran out); the read then starts over, up to three times, before throwing {@link StorageError}.
 */
export async function readSnapshot(bucket: Pick<R2Bucket, "get">, id: string): Promise<ShareSnapshot | null> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const headObject = await bucket.get(headKey(id));
    if (!headObject) return null;
    const head = (await headObject.json()) as Head;
    const segments = await Promise.all(
      head.segments.map(async (info) => {
        const object = await bucket.get(sharePrefix(id) + info.name);
        return object ? ((await object.json()) as Segment) : null;
      }),
    );
    if (segments.some((segment) => segment === null)) continue;
    const latest = new Map<string, Entry>();
    for (const entries of [...segments.map((segment) => segment!.entries), head.tail]) {
      for (const entry of entries) {
        const seen = latest.get(entry.key);
        if (!seen || seen.seq < entry.seq) latest.set(entry.key, entry);
      }
    }
    const entries = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { id: head.id, createdAt: head.createdAt, updatedAt: head.updatedAt, seq: head.seq, entries };
  }
  throw new StorageError(`share ${id}: segments kept changing during the read`);
}

/** Reads the JSON of a stored blob, or `null` when there is none. */
export async function readBlob(bucket: Pick<R2Bucket, "get">, id: string, hash: string): Promise<R2ObjectBody | null> {
  return bucket.get(blobKey(id, hash));
}

/**
 * The share as the opencode CLI expects from `GET /api/share/:id/data`: `Item[]` in key order, with every item
 * stored by reference loaded from its blob. Returns `null` when the share does not exist.
 */
export async function readItems(bucket: Pick<R2Bucket, "get">, id: string): Promise<Item[] | null> {
  const snapshot = await readSnapshot(bucket, id);
  if (!snapshot) return null;
  return Promise.all(
    snapshot.entries.map(async (entry) => {
      if ("item" in entry) return entry.item;
      const blob = await readBlob(bucket, id, entry.ref.hash);
      if (!blob) throw new StorageError(`share ${id}: blob ${entry.ref.hash} is missing`);
      return (await blob.json()) as Item;
    }),
  );
}
