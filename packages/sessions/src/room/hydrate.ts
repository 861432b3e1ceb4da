/**
 * Loading a compacted share's rows back from R2, in bounded steps: the head, then each segment streamed entry by
 * entry (`scanEntries`), written to `items` in transactions of at most {@link HYDRATE_BATCH_BYTES}. So what a load
 * holds at once is one such batch and one entry, whatever the share's size (docs/storage.md, "Memory"). A missing or
 * unreadable head or segment is an error, never an empty share; a head older than what the room last wrote is one
 * too.
 */
import { progressOf } from "../merge";
import { type Head, headKey, type StoredEntry, sharePrefix } from "../storage/layout";
import { StorageError, scanEntries } from "../storage/read";
import type { RoomBucket } from "../storage/write";
import type { ShareRow } from "./store";

/** Entry bytes (as stored in a segment) written to `items` per transaction while loading rows back. */
export const HYDRATE_BATCH_BYTES = 1024 * 1024;

/** R2 does not hold what the head promised (yet): the caller keeps the work for later. */
export class HydrationError extends Error {}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readJson<T>(bucket: RoomBucket, key: string): Promise<T> {
  const object = await bucket.get(key);
  if (!object) throw new HydrationError(`${key} is missing`);
  try {
    return (await object.json()) as T;
  } catch {
    throw new HydrationError(`${key} is not JSON`);
  }
}

/** Writes stored entries into `items`, keeping per key the highest seq already there. */
function insertEntries(sql: SqlStorage, entries: StoredEntry[]): void {
  for (const entry of entries) {
    let body: string | null = null;
    let ref: string | null = null;
    let hash: string | null = null;
    let progress: string | null = null;
    let bytes = 0;
    let removed = 0;
    if ("removed" in entry) removed = 1;
    else if ("item" in entry) {
      body = JSON.stringify(entry.item);
      bytes = encoder.encode(body).byteLength;
      const value = progressOf(entry.item);
      progress = value ? JSON.stringify(value) : null;
    } else {
      ref = JSON.stringify(entry.ref);
      hash = entry.ref.hash;
      bytes = entry.ref.bytes;
      progress = entry.progress ? JSON.stringify(entry.progress) : null;
    }
    sql.exec(
      `INSERT INTO items (key, seq, bytes, body, ref, hash, progress, epoch, removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, body = excluded.body,
       ref = excluded.ref, hash = excluded.hash, progress = excluded.progress, epoch = excluded.epoch,
       removed = excluded.removed WHERE excluded.seq > items.seq`,
      entry.key,
      entry.seq,
      bytes,
      body,
      ref,
      hash,
      progress,
      "removed" in entry ? null : (entry.epoch ?? null),
      removed,
    );
  }
}

/**
 * Streams segment `key` into `items`, one transaction per {@link HYDRATE_BATCH_BYTES} of entries. Errors:
 * {@link HydrationError} when it is missing or not a segment; R2 errors as thrown.
 */
async function loadSegment(
  bucket: RoomBucket,
  sql: SqlStorage,
  transaction: (run: () => void) => void,
  key: string,
): Promise<void> {
  const object = await bucket.get(key);
  if (!object) throw new HydrationError(`${key} is missing`);
  let batch: StoredEntry[] = [];
  let bytes = 0;
  const write = () => {
    const entries = batch;
    batch = [];
    bytes = 0;
    if (entries.length > 0) transaction(() => insertEntries(sql, entries));
  };
  try {
    await scanEntries(object.body, (entry) => {
      batch.push(JSON.parse(decoder.decode(entry)) as StoredEntry);
      bytes += entry.byteLength;
      if (bytes >= HYDRATE_BATCH_BYTES) write();
    });
  } catch (error) {
    if (error instanceof StorageError || error instanceof SyntaxError)
      throw new HydrationError(`${key} is not a segment`);
    throw error;
  }
  write();
}

/**
 * Loads every row of `share` back from R2 into `items` and marks the share hydrated, in bounded steps (see the
 * module doc). A crash in between leaves `hydrated = 0`, and the next attempt redoes what is missing (an entry
 * replaces a row only with a higher seq, so a redo is harmless).
 * Errors: {@link HydrationError} for a missing, unreadable or stale head or segment; R2 errors as thrown.
 */
export async function hydrate(
  bucket: RoomBucket,
  sql: SqlStorage,
  transaction: (run: () => void) => void,
  share: ShareRow,
): Promise<void> {
  const head = await readJson<Head>(bucket, headKey(share.id));
  if (head.seq !== share.flushed_seq) {
    throw new HydrationError(`head is at seq ${head.seq}, the room wrote ${share.flushed_seq}`);
  }
  for (const info of head.segments) {
    await loadSegment(bucket, sql, transaction, sharePrefix(share.id) + info.name);
    // A segment streams from buffers already in hand without a turn of the event loop between chunks: a timer
    // hands the isolate to whatever else waits for it (other requests, the inspector) once per segment.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  transaction(() => {
    insertEntries(sql, head.tail as StoredEntry[]);
    // Blobs queued for collection may be named again by the rows just loaded; those stay.
    sql.exec("DELETE FROM blob_garbage WHERE hash IN (SELECT hash FROM items WHERE hash IS NOT NULL)");
    // The horizon stays where the compaction put it: the segments it wrote dropped tombstones, so a viewer behind it
    // could not learn of those removals from the rows and must reset.
    sql.exec("UPDATE share SET hydrated = 1 WHERE id = ?", share.id);
  });
}
