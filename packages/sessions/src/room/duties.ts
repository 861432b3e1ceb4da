/**
 * The room's duty scheduler. A duty is work the room owes R2 or itself after answering: `inbox` (merge syncs that
 * arrived while the share could not be loaded), `flush` (pending blobs, then segments and the head), `gc` (replaced
 * segments and blobs once no head names them), `compact` (the idle compaction) and `expire` (retention). Each is
 * derived from SQLite state, so it survives eviction; a failed attempt is recorded in `retries` and the alarm comes
 * back after an exponential backoff. The alarm always runs every pending duty and is always re-armed; one that a
 * legacy replay's watchdog set (see {@link nextAlarm}) before any duty is due runs none.
 */
import { FLUSH_DELAY_MS, IDLE_COMPACT_MS } from "../storage/layout";
import type { ShareRow } from "./store";

/** A duty's name, as stored in `retries`. */
export type Duty = "inbox" | "flush" | "gc" | "compact" | "expire";

/** First retry delay after a failure (ms); doubles per failure up to {@link RETRY_MAX_MS}. */
export const RETRY_BASE_MS = 1_000;
/** Longest retry delay (ms). */
export const RETRY_MAX_MS = 5 * 60_000;

/**
 * How long after a share's last change the alarm stays armed one flush delay ahead even with nothing to flush (ms),
 * so a sync in that time finds it armed and sets none: a `setAlarm` on the sync's way makes its answer wait for
 * the alarm's write too (docs/performance.md). The CLI syncs about once a second while the agent works; after the
 * last sync this costs at most this many seconds of empty alarms.
 */
export const STANDBY_MS = 5_000;

/** Whether the alarm stays armed with nothing to flush ({@link STANDBY_MS}): rows loaded, and changed lately. */
function standby(share: ShareRow, now: number): boolean {
  return share.hydrated === 1 && share.seq > 0 && now - share.updated_at < STANDBY_MS;
}

/** The retry delay after `attempts` failures (ms). */
export function backoff(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/** Records a failed attempt of `duty` at `now` (Unix ms). */
export function failed(sql: SqlStorage, duty: Duty, now: number): void {
  const attempts =
    (sql.exec<{ attempts: number }>("SELECT attempts FROM retries WHERE duty = ?", duty).toArray()[0]?.attempts ?? 0) +
    1;
  sql.exec(
    "INSERT OR REPLACE INTO retries (duty, attempts, at) VALUES (?, ?, ?)",
    duty,
    attempts,
    now + backoff(attempts),
  );
}

/** Clears the failure record of `duty` once it succeeded. */
export function succeeded(sql: SqlStorage, duty: Duty): void {
  sql.exec("DELETE FROM retries WHERE duty = ?", duty);
}

/** Whether the share has unflushed changes or blobs still to upload. */
export function needsFlush(sql: SqlStorage, share: ShareRow): boolean {
  return share.flushed_seq < share.seq || count(sql, "SELECT COUNT(*) AS n FROM pending_blobs") > 0;
}

/** Whether syncs wait in the inbox. */
export function hasInbox(sql: SqlStorage): boolean {
  return count(sql, "SELECT COUNT(*) AS n FROM inbox") > 0;
}

/** When the idle compaction is due (Unix ms), or `undefined` when the rows are already dropped. */
export function compactionDue(share: ShareRow): number | undefined {
  if (!share.hydrated || share.seq === 0) return undefined;
  return Math.max(share.updated_at, share.active_at) + IDLE_COMPACT_MS;
}

function count(sql: SqlStorage, query: string, ...values: SqlStorageValue[]): number {
  return sql.exec<{ n: number }>(query, ...values).one().n;
}

/** How many duties have work to do at `now` (Unix ms), not counting compaction and expiry. */
export function pendingDuties(sql: SqlStorage, share: ShareRow, now: number): number {
  const gc =
    count(sql, "SELECT COUNT(*) AS n FROM garbage WHERE due <= ?", now) +
    count(sql, "SELECT COUNT(*) AS n FROM blob_garbage WHERE after_seq <= ?", share.flushed_seq);
  return (hasInbox(sql) ? 1 : 0) + (needsFlush(sql, share) ? 1 : 0) + (gc > 0 ? 1 : 0);
}

/**
 * When the alarm should next fire (Unix ms), or `null` when no duty is pending: each pending duty at its due time,
 * but not before its recorded retry time (the compaction not before the inbox's and the flush's either); the flush
 * also for {@link STANDBY_MS} after the last change. While a legacy replay runs (`replaying`), no later than
 * `watchdogMs` ahead: that alarm wakes an evicted room to resume the replay (`room/sockets.ts`), and runs no duty
 * early (`ShareRoom.alarm`).
 */
export function nextAlarm(
  sql: SqlStorage,
  share: ShareRow,
  now: number,
  watchdog: { replaying: boolean; watchdogMs: number } = { replaying: false, watchdogMs: 0 },
): number | null {
  const due = nextDuty(sql, share, now);
  if (!watchdog.replaying) return due;
  return Math.min(due ?? Number.POSITIVE_INFINITY, now + watchdog.watchdogMs);
}

function nextDuty(sql: SqlStorage, share: ShareRow, now: number): number | null {
  const retries = new Map(
    sql
      .exec<{ duty: Duty; at: number }>("SELECT duty, at FROM retries")
      .toArray()
      .map((row) => [row.duty, row.at]),
  );
  const times: number[] = [];
  const add = (duty: Duty, due: number | null | undefined) => {
    if (due === null || due === undefined) return;
    times.push(Math.max(due, retries.get(duty) ?? 0));
  };
  if (hasInbox(sql)) add("inbox", now);
  if (needsFlush(sql, share) || standby(share, now)) add("flush", now + FLUSH_DELAY_MS);
  add("gc", sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM garbage").one().due);
  if (count(sql, "SELECT COUNT(*) AS n FROM blob_garbage WHERE after_seq <= ?", share.flushed_seq) > 0) {
    add("gc", now);
  }
  // The compaction runs only once the inbox is merged and everything is flushed, so it is due no earlier than their
  // retries: a past-due compaction during an outage would otherwise fire the alarm every few ms.
  const due = compactionDue(share);
  if (due !== undefined) add("compact", Math.max(due, retries.get("inbox") ?? 0, retries.get("flush") ?? 0));
  add("expire", share.expires_at);
  if (times.length === 0) return null;
  return Math.max(Math.min(...times), now + 10);
}
