/**
 * Storage cost over a session's life. One generated session (20,000 parts in CLI-like batches) is replayed into
 * the product and, batch by batch in the same order, into the snapshot-rewrite baseline. After every batch the
 * product's room is flushed to R2, as its 1 s alarm does when the CLI sends one batch a second: the most R2
 * writes the product ever makes for this traffic. At checkpoints both sides' own counters are read, and a page
 * view is made on each.
 *
 * The baseline rewrites its whole snapshot on every sync, so replaying it to 20,000 parts would write ~45 GB and
 * take most of an hour on a 2-core machine. It is replayed up to `baselineParts` (default 3,000 parts, the ~5 MB
 * p99 session); beyond that its bytes are computed exactly from the generated batches (the sum of its snapshot's
 * size after each sync), a model checked against its measured counters over the replayed range.
 */
import { type CreateShareResponse, itemKey } from "@shareroom/shared";
import { Sessions, type SnapshotBaseline, type StorageStats } from "../api.ts";
import type { GeneratedSession } from "../generate.ts";
import { median, now } from "../measure.ts";

export interface Checkpoint {
  parts: number;
  batches: number;
  /** Bytes of the merged state (one latest item per key). */
  liveBytes: number;
  itemsSent: number;
  ours: StorageStats;
  /** Of `ours.r2BytesWritten`, the bytes of head rewrites. */
  oursHeadBytes: number;
  /**
   * Of `ours.r2BytesWritten`, the bytes of segment objects: each segment a head names counted once, when a head first
   * names it (segments are immutable, named by their seq range). The rest is blobs (items over 1 MiB).
   */
  oursSegmentBytes: number;
  oursView: { reads: number; bytes: number };
  /** Median latency (ms) of the product's syncs since the previous checkpoint, and of its flushes. */
  oursSyncMs: number;
  oursFlushMs: number;
  /** The baseline's counters, when it was replayed this far. */
  baseline: { r2Puts: number; r2BytesWritten: number; r2Gets: number; r2BytesRead: number } | null;
  baselineView: { reads: number; bytes: number } | null;
  baselineSyncMs: number | null;
  /** The baseline's bytes written and read by the model (always computed). */
  model: { r2BytesWritten: number; r2BytesRead: number; snapshotBytes: number };
}

export interface StorageResult {
  checkpoints: Checkpoint[];
  baselineParts: number;
  /** Largest relative difference between the model and the measured baseline, over the replayed checkpoints. */
  modelError: number;
  share: CreateShareResponse;
  /** The product's seq after each batch. */
  seqs: number[];
}

export const CHECKPOINTS = [250, 500, 1000, 2000, 3000, 5000, 10_000, 20_000];

/**
 * The baseline's snapshot size after each batch, exactly as its worker serializes it
 * (`{"secret":…,"items":{"<key>":<item>,…}}`), from the batches alone.
 */
function modelSizes(session: GeneratedSession, secret: string): number[] {
  const entryBytes = new Map<string, number>();
  let entries = 0;
  const fixed = Buffer.byteLength(`{"secret":${JSON.stringify(secret)},"items":{}}`);
  const sizes: number[] = [];
  for (const batch of session.batches) {
    for (const item of batch) {
      const key = itemKey(item);
      const bytes = Buffer.byteLength(`${JSON.stringify(key)}:${JSON.stringify(item)}`);
      entries += bytes - (entryBytes.get(key) ?? 0);
      entryBytes.set(key, bytes);
    }
    sizes.push(fixed + entries + Math.max(0, entryBytes.size - 1));
  }
  return sizes;
}

export async function runStorage(
  sessions: Sessions,
  baseline: SnapshotBaseline,
  session: GeneratedSession,
  baselineParts: number,
  log: (line: string) => void,
): Promise<StorageResult> {
  const started = now();
  const share = await sessions.create(session.sessionID);
  const theirs = await baseline.create(session.sessionID);
  const sizes = modelSizes(session, theirs.secret);
  const emptySize = Buffer.byteLength(JSON.stringify({ secret: theirs.secret, items: {} }));

  const checkpoints: Checkpoint[] = [];
  const seqs: number[] = [];
  let syncMs: number[] = [];
  let flushMs: number[] = [];
  let baselineMs: number[] = [];
  let itemsSent = 0;
  let headBytes = 0;
  let segmentBytes = 0;
  const segmentsSeen = new Set<string>();
  let flushedSeq = 0;
  let modelWritten = emptySize;
  let modelRead = 0;
  let next = 0;
  for (let i = 0; i < session.batches.length; i++) {
    const batch = session.batches[i]!;
    itemsSent += batch.length;
    let t = now();
    const answer = await sessions.sync(share, Sessions.syncBody(share, batch));
    syncMs.push(now() - t);
    seqs.push(answer.seq);
    t = now();
    const flushed = await sessions.flush(share.id);
    flushMs.push(now() - t);
    // A flush writes the head only when something changed since the last one.
    if (flushed.seq > flushedSeq) headBytes += flushed.headBytes;
    for (const segment of flushed.segments) {
      if (segmentsSeen.has(segment.name)) continue;
      segmentsSeen.add(segment.name);
      segmentBytes += segment.bytes;
    }
    flushedSeq = flushed.seq;
    const parts = session.partsAfter[i]!;
    // The batch that crosses `baselineParts` is still replayed, so the checkpoint there has both sides.
    const replayBaseline = (i === 0 ? 0 : session.partsAfter[i - 1]!) < baselineParts;
    if (replayBaseline) {
      t = now();
      await baseline.sync(theirs, Sessions.syncBody(theirs, batch));
      baselineMs.push(now() - t);
    }
    modelRead += i === 0 ? emptySize : sizes[i - 1]!;
    modelWritten += sizes[i]!;

    const last = i === session.batches.length - 1;
    if (next < CHECKPOINTS.length && (parts >= CHECKPOINTS[next]! || last)) {
      while (next < CHECKPOINTS.length && parts >= CHECKPOINTS[next]!) next++;
      const view = await sessions.snapshot(share.id);
      const checkpoint: Checkpoint = {
        parts,
        batches: i + 1,
        liveBytes: session.liveBytesAfter[i]!,
        itemsSent,
        ours: await sessions.stats(share.id),
        oursHeadBytes: headBytes,
        oursSegmentBytes: segmentBytes,
        oursView: { reads: view.reads, bytes: view.bytes },
        oursSyncMs: median(syncMs),
        oursFlushMs: median(flushMs),
        baseline: replayBaseline ? await baseline.stats(theirs.id) : null,
        baselineView: replayBaseline ? await baseline.snapshot(theirs.id) : null,
        baselineSyncMs: replayBaseline ? median(baselineMs) : null,
        model: { r2BytesWritten: modelWritten, r2BytesRead: modelRead, snapshotBytes: sizes[i]! },
      };
      checkpoints.push(checkpoint);
      const written = checkpoint.ours.r2BytesWritten;
      log(
        `  ${parts} parts, ${i + 1} batches: ours ${(written / 1e6).toFixed(1)} MB written ` +
          `(${(written / checkpoint.liveBytes).toFixed(2)}× live; head ${(headBytes / 1e6).toFixed(1)} MB, segments ` +
          `${(segmentBytes / 1e6).toFixed(1)} MB, blobs ${((written - headBytes - segmentBytes) / 1e6).toFixed(1)} MB; ` +
          `${flushed.segments.length} segments)` +
          (checkpoint.baseline ? `, baseline ${(checkpoint.baseline.r2BytesWritten / 1e6).toFixed(1)} MB` : "") +
          `, model ${(modelWritten / 1e6).toFixed(1)} MB (${((now() - started) / 1000).toFixed(0)} s)`,
      );
      syncMs = [];
      flushMs = [];
      baselineMs = [];
    }
  }
  let modelError = 0;
  for (const checkpoint of checkpoints) {
    if (!checkpoint.baseline) continue;
    const measured = checkpoint.baseline.r2BytesWritten;
    modelError = Math.max(modelError, Math.abs(checkpoint.model.r2BytesWritten - measured) / measured);
  }
  return { checkpoints, baselineParts, modelError, share, seqs };
}
