/**
 * Persisting the room to R2, as the duties do it: the flush (pending blobs, then segments and the head), committing
 * a written head, collecting what no head names, and the idle compaction. Every step that deletes or drops runs
 * only after the head that makes it safe is written (docs/storage.md, invariants 1 and 2).
 */
import {
  SEGMENT_GRACE_MS,
  SEGMENT_MAX_BYTES,
  type SegmentInfo,
  segmentKeysName,
  TAIL_INLINE_MAX_BYTES,
} from "../storage/layout";
import {
  deleteNames,
  headerEntries,
  putBlob,
  putHead,
  splitOversized,
  tailEntries,
  weightAbove,
  writeSegments,
} from "../storage/write";
import type { RoomContext } from "./context";
import { hasInbox, needsFlush } from "./duties";
import { dropChunks, getChunks, type ShareRow, shareRow } from "./store";

/**
 * Writes what changed since the last flush to R2: first every blob still held in SQLite, then the head with the
 * tail inline while the tail is small, else new segments and a head with an empty tail; every head also carries the
 * header entries (`headerEntries`). Replaced objects are
 * queued for deletion only once that head is written.
 */
export async function flush(room: RoomContext): Promise<void> {
  await uploadPendingBlobs(room);
  const share = shareRow(room.sql)!;
  const segments = JSON.parse(share.segments) as SegmentInfo[];
  const lastHi = segments.at(-1)?.hi ?? 0;
  if (weightAbove(room.sql, lastHi) > TAIL_INLINE_MAX_BYTES) {
    const next = await writeSegments(room.r2, room.sql, share, segments, "flush");
    await putHead(room.r2, share, next.segments, headerEntries(room.sql, share.seq));
    commitHead(room, share, next.segments, next.replaced);
  } else {
    await putHead(room.r2, share, segments, [...headerEntries(room.sql, lastHi), ...tailEntries(room.sql, lastHi)]);
    commitHead(room, share, segments, []);
  }
}

/** Records a head just written: what R2 reflects, and the objects it stopped naming, for collection. */
export function commitHead(room: RoomContext, share: ShareRow, segments: SegmentInfo[], replaced: string[]): void {
  const due = Date.now() + SEGMENT_GRACE_MS;
  room.transaction(() => {
    room.sql.exec(
      "UPDATE share SET flushed_seq = ?, segments = ? WHERE id = ?",
      share.seq,
      JSON.stringify(segments),
      share.id,
    );
    room.sql.exec(
      "DELETE FROM garbage WHERE name IN (SELECT value FROM json_each(?))",
      JSON.stringify(segments.map((segment) => segment.name)),
    );
    for (const name of replaced) room.sql.exec("INSERT OR REPLACE INTO garbage (name, due) VALUES (?, ?)", name, due);
    room.sql.exec(
      `INSERT OR REPLACE INTO garbage (name, due) SELECT 'blobs/' || hash || '.json', ? FROM blob_garbage
       WHERE after_seq <= ?`,
      due,
      share.seq,
    );
    room.sql.exec("DELETE FROM blob_garbage WHERE after_seq <= ?", share.seq);
  });
}

/** PUTs every blob held in SQLite (a sync's blob PUT failed), then drops its chunks. */
export async function uploadPendingBlobs(room: RoomContext): Promise<void> {
  const share = shareRow(room.sql)!;
  for (const { hash } of room.sql.exec<{ hash: string }>("SELECT hash FROM pending_blobs").toArray()) {
    const owner = `blob:${hash}`;
    // A blob replaced before it reached R2 is no longer needed: drop it unwritten.
    const named = room.sql.exec("SELECT 1 FROM items WHERE hash = ? LIMIT 1", hash).toArray().length > 0;
    const json = named ? getChunks(room.sql, owner) : null;
    if (json) await putBlob(room.r2, share.id, hash, json);
    room.transaction(() => {
      dropChunks(room.sql, owner);
      room.sql.exec("DELETE FROM pending_blobs WHERE hash = ?", hash);
    });
  }
}

/** Deletes queued objects whose grace period is over and that neither the head nor a row names any more. */
export async function collect(room: RoomContext, now: number): Promise<void> {
  const share = shareRow(room.sql)!;
  const named = new Set((JSON.parse(share.segments) as SegmentInfo[]).map((segment) => segment.name));
  const due = room.sql.exec<{ name: string }>("SELECT name FROM garbage WHERE due <= ? LIMIT 1000", now).toArray();
  if (due.length === 0) return;
  const live = (name: string) => {
    if (named.has(name)) return true;
    const blob = name.match(/^blobs\/([0-9a-f]{64})\.json$/)?.[1];
    return blob !== undefined && room.sql.exec("SELECT 1 FROM items WHERE hash = ? LIMIT 1", blob).toArray().length > 0;
  };
  // A segment's key index goes with it (segments written before key indexes have none: deleting it is a no-op).
  const names = due.map((row) => row.name).filter((name) => !live(name));
  await deleteNames(
    room.r2,
    share.id,
    names.flatMap((name) => (name.startsWith("segments/") ? [name, segmentKeysName(name)] : [name])),
  );
  room.transaction(() => {
    for (const row of due) room.sql.exec("DELETE FROM garbage WHERE name = ?", row.name);
  });
}

/**
 * Idle compaction: splits every segment over {@link SEGMENT_MAX_BYTES} (written before segments were bounded), packs
 * the tail and the trailing segments under half that into segments of at most that size, writes a head with an
 * empty tail, and only then drops every item row (R2 now holds them through that head; the next sync, or a legacy
 * replay, loads them back). Runs only with nothing unflushed.
 */
export async function compact(room: RoomContext): Promise<void> {
  let share = shareRow(room.sql)!;
  if (needsFlush(room.sql, share) || hasInbox(room.sql)) return;
  const segments = JSON.parse(share.segments) as SegmentInfo[];
  const lastHi = segments.at(-1)?.hi ?? 0;
  const small = segments.filter((segment) => segment.bytes < SEGMENT_MAX_BYTES / 2).length;
  const oversized = segments.some((segment) => segment.bytes > SEGMENT_MAX_BYTES);
  if (weightAbove(room.sql, lastHi) > 0 || small > 1 || oversized) {
    const split = await splitOversized(room.r2, room.sql, share, segments);
    const next = await writeSegments(room.r2, room.sql, share, split.segments, "compact");
    await putHead(room.r2, share, next.segments, headerEntries(room.sql, share.seq));
    const named = new Set(next.segments.map((segment) => segment.name));
    const replaced = [...split.replaced, ...next.replaced].filter((name) => !named.has(name));
    commitHead(room, share, next.segments, replaced);
  }
  share = shareRow(room.sql)!;
  room.transaction(() => {
    room.sql.exec("DELETE FROM items");
    room.sql.exec("UPDATE share SET hydrated = 0, horizon = seq WHERE id = ?", share.id);
  });
}
