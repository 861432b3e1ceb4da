/**
 * What the room's modules get from the Durable Object shell: its storage, R2, the runtime state (sockets, alarm),
 * and the few shell services they call back. Passed explicitly so each module's dependencies are visible.
 */
import type { ErrorCode } from "@shareroom/shared";
import type { StorageStats } from "../storage/meter";
import type { RoomBucket } from "../storage/write";

/**
 * What an RPC method of the room answers: a value, or an error code for the worker to turn into a response
 * (`retryAfter` in seconds for `storage_unavailable`).
 */
export type RoomResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message?: string; retryAfter?: number };

/** The room's storage, R2 and runtime, as its modules see them. */
export interface RoomContext {
  sql: SqlStorage;
  /** The Durable Object's `transactionSync`: all of `run` or nothing. */
  transaction(run: () => void): void;
  /** R2, metered (`storage/meter.ts`). */
  r2: RoomBucket;
  state: DurableObjectState;
  /** Whether secrets are redacted on ingest (`REDACT_SECRETS`). */
  redact: boolean;
  /** Adds to a storage counter of the `stats` table. */
  count(name: keyof StorageStats, amount: number): void;
  /**
   * Writes the counters gathered so far to the `stats` table (nothing when only `syncs` has grown: an unchanged
   * re-send writes no row). Call inside the transaction that stores what they count.
   */
  saveStats(): void;
  /** Moves the alarm earlier to `at` (Unix ms) if it is unset or later. */
  alarmNoLaterThan(at: number): Promise<void>;
  /** Re-arms the alarm for the earliest pending duty. */
  schedule(): Promise<void>;
}
