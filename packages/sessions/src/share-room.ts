/**
 * `ShareRoom`: the Durable Object of one share (`idFromName(shareId)`), its single writer — a thin shell of RPC
 * methods, socket handlers and the alarm over `room/` (schema, ingest planner, live encoders, sockets, duty
 * scheduler, rehydration) and the R2 writer `storage/write.ts`.
 *
 * Every sync goes through it: it applies the batch in order with the merge rule, gives each accepted change the
 * next sequence number (`seq`), answers only once the change is durable in its SQLite storage, and broadcasts it to
 * the share's viewers (hibernation WebSocket API). Duties (flush to R2, collection, compaction, expiry) run from
 * the alarm and are retried with backoff until done. The invariants this holds are in docs/storage.md.
 */

import { DurableObject } from "cloudflare:workers";
import {
  checkItem,
  type ErrorCode,
  INLINE_ITEM_MAX_BYTES,
  type Item,
  MAX_ITEM_BYTES,
  MAX_ITEMS_PER_SYNC,
  MAX_SHARE_BYTES,
  MAX_SYNC_BODY_BYTES,
  PING,
  PONG,
  type RefusedItem,
  SyncBodySchema,
  type SyncResponse,
} from "@shareroom/shared";
import { batchEpoch, type Progress, progressOf } from "./merge";
import { parseJson, readStreamText } from "./middleware/body";
import { ApiError } from "./middleware/errors";
import { redactSecrets } from "./redact";
import {
  compactionDue,
  type Duty,
  failed,
  hasInbox,
  needsFlush,
  nextAlarm,
  pendingDuties,
  succeeded,
} from "./room/duties";
import { HydrationError, hydrate } from "./room/hydrate";
import type { SentRow } from "./room/live";
import { type Incoming, lastPerKey, plan, removalTargets, type StoredVersion } from "./room/planner";
import { migrate, schemaVersion } from "./room/schema";
import { acceptLegacy, acceptViewer, broadcast, closeAllDeleted, deletedSocket } from "./room/sockets";
import { dropChunks, getChunks, type ItemRow, putChunks, type ShareRow, shareRow } from "./room/store";
import { constantTimeEqual, sha256Hex } from "./secrets";
import { roomBucket } from "./storage/hook";
import {
  FLUSH_DELAY_MS,
  SEGMENT_GRACE_MS,
  SEGMENT_MAX_BYTES,
  type SegmentInfo,
  TAIL_INLINE_MAX_BYTES,
} from "./storage/layout";
import { meteredBucket, type StorageStats } from "./storage/meter";
import {
  deleteNames,
  deleteShareObjects,
  putBlob,
  putHead,
  tailEntries,
  weightAbove,
  writeSegments,
} from "./storage/write";

/**
 * What an RPC method of the room answers: a value, or an error code for the worker to turn into a response
 * (`retryAfter` in seconds for `storage_unavailable`).
 */
export type RoomResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ErrorCode; message?: string; retryAfter?: number };

/**
 * `create` arguments. `secretHash` is the SHA-256 hex of the share secret; `now` is Unix ms; `ttlDays` deletes the
 * share that many days after creation (0: never).
 */
export interface CreateArgs {
  shareId: string;
  secretHash: string;
  sessionID: string;
  now: number;
  ttlDays: number;
}

/** What the admin listing shows of a share that the room alone knows. */
export interface RoomInfo {
  viewers: number;
  seq: number;
  bytes: number;
  hydrated: boolean;
}

/** A checked batch: its items (each serialized once), the refused ones, and the keys it removes. */
interface Batch {
  items: Incoming[];
  refused: RefusedItem[];
  removed: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Seconds a client is told to wait when R2 is failing. */
const RETRY_AFTER_S = 5;

export class ShareRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Tail of the queue that runs syncs, duties and deletion one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** R2, with every operation counted for the `stats` table. */
  private readonly r2: ReturnType<typeof meteredBucket>;
  private pending = new Map<keyof StorageStats, number>();
  /**
   * Whether this object holds a share's tables. They are created by `create` only, so an object woken for an id
   * that names no share reads nothing, writes nothing, and leaves no storage behind.
   */
  private hasTables: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.hasTables = schemaVersion(this.sql) > 0;
    if (this.hasTables) migrate(this.sql, (run) => ctx.storage.transactionSync(run));
    this.r2 = meteredBucket(roomBucket(env.SHARES, ctx), (name, amount) => this.count(name, amount));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  private transaction = (run: () => void): void => this.ctx.storage.transactionSync(run);

  private count(name: keyof StorageStats, amount: number): void {
    this.pending.set(name, (this.pending.get(name) ?? 0) + amount);
  }

  /**
   * Adds the counts gathered so far to the `stats` table. A task that wrote nothing else (an unchanged re-send)
   * keeps its counts in memory for the next task that writes, so it costs no row write.
   */
  private saveStats(): void {
    if (!this.share()) {
      this.pending.clear();
      return;
    }
    if ([...this.pending.keys()].every((name) => name === "syncs")) return;
    for (const [name, amount] of this.pending) {
      this.sql.exec(
        "INSERT INTO stats (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
        name,
        amount,
      );
    }
    this.pending.clear();
  }

  /** The share's cumulative storage work (see `storage/meter.ts`). */
  async stats(): Promise<RoomResult<StorageStats>> {
    if (!this.share()) return { ok: false, code: "share_not_found" };
    const stats: StorageStats = {
      syncs: 0,
      rowsWritten: 0,
      r2Puts: 0,
      r2BytesWritten: 0,
      r2Gets: 0,
      r2BytesRead: 0,
      r2Deletes: 0,
      r2Lists: 0,
    };
    for (const row of this.sql.exec<{ name: keyof StorageStats; value: number }>("SELECT name, value FROM stats")) {
      stats[row.name] = row.value;
    }
    for (const [name, amount] of this.pending) stats[name] += amount;
    return { ok: true, value: stats };
  }

  /** Runs `task` after every earlier queued task has finished, so writes never interleave across awaits. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const counted = async () => {
      try {
        return await task();
      } finally {
        this.saveStats();
      }
    };
    const run = this.queue.then(counted, counted);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private share(): ShareRow | undefined {
    return this.hasTables ? shareRow(this.sql) : undefined;
  }

  private async checkSecret(share: ShareRow, secret: string): Promise<boolean> {
    return constantTimeEqual(await sha256Hex(secret), share.secret_hash);
  }

  /**
   * Initializes the share and writes its first (empty) head to R2, so the share page and `/data` answer at once
   * (if R2 fails, the flush duty writes it). Errors: `internal_error` if this object already holds a share.
   */
  async create(args: CreateArgs): Promise<RoomResult<{ seq: number }>> {
    return this.exclusive(async () => {
      if (this.share()) return { ok: false, code: "internal_error", message: "share id collision" };
      migrate(this.sql, this.transaction);
      this.hasTables = true;
      const expiresAt = args.ttlDays > 0 ? args.now + args.ttlDays * 86_400_000 : null;
      // flushed_seq -1: no head written yet, so the flush duty owes one until the PUT below succeeds.
      this.sql.exec(
        `INSERT INTO share (id, secret_hash, session_id, title, created_at, updated_at, expires_at, seq, bytes,
          flushed_seq, segments, hydrated, horizon) VALUES (?, ?, ?, NULL, ?, ?, ?, 0, 0, -1, '[]', 1, 0)`,
        args.shareId,
        args.secretHash,
        args.sessionID,
        args.now,
        args.now,
        expiresAt,
      );
      await this.runDuty("flush", Date.now(), () => this.flush());
      await this.schedule();
      return { ok: true, value: { seq: 0 } };
    });
  }

  /**
   * Applies one sync batch whose body arrives as bytes (the request body, streamed over RPC): read up to
   * `MAX_SYNC_BODY_BYTES`, parsed and checked once, here. Errors: `payload_too_large`, `invalid_json`,
   * `invalid_body`, and those of {@link sync}.
   */
  async syncBody(body: ReadableStream<Uint8Array> | null): Promise<RoomResult<SyncResponse>> {
    let parsed: { secret: string; data: unknown[]; removed?: string[] };
    try {
      parsed = parseJson(await readStreamText(body, MAX_SYNC_BODY_BYTES), SyncBodySchema);
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
    if (parsed.data.length > MAX_ITEMS_PER_SYNC) {
      return { ok: false, code: "payload_too_large", message: `A batch holds at most ${MAX_ITEMS_PER_SYNC} items.` };
    }
    return this.sync(parsed.secret, parsed.data, parsed.removed ?? []);
  }

  /**
   * Applies one sync batch. Items are checked one by one: refused ones are listed, the rest are stored; then the
   * `removed` keys are deleted. Answered only once durable — in the rows, or, while the share cannot be loaded
   * back from R2, in the inbox (merged by the alarm; `accepted` then counts the items kept for it).
   * Errors: `share_not_found`, `invalid_secret`, `share_too_large` (nothing of the batch is stored),
   * `storage_unavailable` (R2 failing and the inbox cannot tell whether the batch fits).
   */
  async sync(secret: string, data: unknown[], removed: string[] = []): Promise<RoomResult<SyncResponse>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (!(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };
      const batch = checkBatch(data, removed);
      try {
        await this.drainInbox();
      } catch (error) {
        return this.toInbox(share, batch, error);
      }
      const result = await this.apply(batch);
      // Rows loaded back for this sync are compacted again once idle, even when the sync changed nothing.
      if (!share.hydrated) await this.schedule();
      return result;
    });
  }

  /**
   * Loads the rows back if compacted and merges every inbox batch, oldest first, each atomically with its
   * removal from the inbox. Throws on an R2 failure (the rest stays in the inbox).
   */
  private async drainInbox(): Promise<void> {
    const share = this.share()!;
    if (!share.hydrated) {
      await hydrate(this.r2, this.sql, this.transaction, share);
      this.sql.exec("UPDATE share SET active_at = ? WHERE id = ?", Date.now(), share.id);
    }
    for (;;) {
      const next = this.sql.exec<{ n: number }>("SELECT n FROM inbox ORDER BY n LIMIT 1").toArray()[0];
      if (!next) return;
      const owner = `inbox:${next.n}`;
      const text = decoder.decode(getChunks(this.sql, owner) ?? new Uint8Array());
      const stored = JSON.parse(text || '{"data":[],"removed":[]}') as { data: unknown[]; removed: string[] };
      await this.apply(checkBatch(stored.data, stored.removed), () => {
        dropChunks(this.sql, owner);
        this.sql.exec("DELETE FROM inbox WHERE n = ?", next.n);
      });
    }
  }

  /** Keeps a batch that cannot be merged now (R2 failing) in the inbox, durably, and answers it. */
  private async toInbox(share: ShareRow, batch: Batch, cause: unknown): Promise<RoomResult<SyncResponse>> {
    const text = JSON.stringify({ data: batch.items.map((item) => item.item), removed: batch.removed });
    const bytes = batch.items.reduce((sum, item) => sum + item.bytes, 0);
    const waiting = this.sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM inbox").one().bytes ?? 0;
    if (share.bytes + waiting + bytes > MAX_SHARE_BYTES) {
      return {
        ok: false,
        code: "storage_unavailable",
        message: `storage is unavailable (${String(cause)}); retry later`,
        retryAfter: RETRY_AFTER_S,
      };
    }
    this.transaction(() => {
      this.sql.exec("INSERT INTO inbox (bytes, received_at) VALUES (?, ?)", bytes, Date.now());
      const n = this.sql.exec<{ n: number }>("SELECT last_insert_rowid() AS n").one().n;
      putChunks(this.sql, `inbox:${n}`, encoder.encode(text));
    });
    this.count("syncs", 1);
    this.count("rowsWritten", 2);
    await this.schedule();
    return {
      ok: true,
      value: {
        ok: true,
        seq: share.seq,
        accepted: new Set(batch.items.map((item) => item.key)).size,
        unchanged: 0,
        removed: 0,
        redacted: 0,
        refused: batch.refused,
      },
    };
  }

  /**
   * Merges a checked batch into the rows (which must be loaded): plans it against the stored versions (read in
   * one statement), redacts the changed items only, writes at most one row per change and per removed key in one
   * transaction (with `alsoInTransaction`), broadcasts, and arms the flush.
   */
  private async apply(batch: Batch, alsoInTransaction?: () => void): Promise<RoomResult<SyncResponse>> {
    const share = this.share()!;
    const items = lastPerKey(batch.items);
    for (const item of items) if (item.bytes > INLINE_ITEM_MAX_BYTES) item.hash = await sha256Hex(item.json);
    const stored = this.storedVersions(items.map((item) => item.key));
    const epoch = batchEpoch(items.map((item) => item.item));
    let planned = plan(items, stored, epoch, share.bytes);
    let unchanged = planned.unchanged;
    let redacted = 0;
    if (this.env.REDACT_SECRETS !== "false" && planned.changes.length > 0) {
      redacted = await redactSecrets(planned.changes.map((change) => change.item));
      if (redacted > 0) {
        for (const change of planned.changes) await reserialize(change);
        planned = plan(planned.changes, stored, epoch, share.bytes);
        unchanged += planned.unchanged;
      }
    }
    const removals = this.removalRows(batch.removed, new Set(planned.changes.map((change) => change.key)));
    const bytes = planned.bytes - removals.reduce((sum, row) => sum + row.bytes, 0);
    if (bytes > MAX_SHARE_BYTES) {
      return {
        ok: false,
        code: "share_too_large",
        message: `the share would hold ${bytes} bytes; the limit is ${MAX_SHARE_BYTES}`,
      };
    }

    // Large items go to R2 before anything points at them; one that fails waits in SQLite for the flush duty.
    const heldBack = new Set<string>();
    for (const change of planned.changes) {
      if (change.hash === undefined) continue;
      try {
        await putBlob(this.r2, share.id, change.hash, change.json);
      } catch {
        heldBack.add(change.hash);
      }
    }

    const sent: SentRow[] = [];
    let seq = share.seq;
    const now = Date.now();
    const session = planned.changes.find((change) => change.item.type === "session");
    const title = session ? titleOf(session.item) : share.title;
    this.transaction(() => {
      for (const change of planned.changes) {
        seq++;
        const previous = stored.get(change.key);
        const ref = change.hash
          ? JSON.stringify({ hash: change.hash, bytes: change.bytes, type: refType(change.item) })
          : null;
        const progress = progressOf(change.item);
        const row = {
          key: change.key,
          seq,
          bytes: change.bytes,
          body: ref ? null : change.json,
          ref,
          removed: 0,
        } satisfies SentRow;
        this.sql.exec(
          `INSERT INTO items (key, seq, bytes, body, ref, hash, progress, epoch, removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)
           ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, body = excluded.body,
           ref = excluded.ref, hash = excluded.hash, progress = excluded.progress, epoch = excluded.epoch, removed = 0`,
          row.key,
          row.seq,
          row.bytes,
          row.body,
          row.ref,
          change.hash ?? null,
          progress ? JSON.stringify(progress) : null,
          epoch ?? null,
        );
        if (change.hash) {
          this.sql.exec("DELETE FROM blob_garbage WHERE hash = ?", change.hash);
          this.sql.exec("DELETE FROM garbage WHERE name = ?", `blobs/${change.hash}.json`);
          if (heldBack.has(change.hash)) {
            putChunks(this.sql, `blob:${change.hash}`, encoder.encode(change.json));
            this.sql.exec(
              "INSERT OR REPLACE INTO pending_blobs (hash, bytes) VALUES (?, ?)",
              change.hash,
              change.bytes,
            );
          }
        }
        if (previous?.hash && previous.hash !== change.hash) this.collectBlob(previous.hash, seq);
        sent.push(row);
      }
      for (const removal of removals) {
        seq++;
        this.sql.exec(
          `UPDATE items SET seq = ?, bytes = 0, body = NULL, ref = NULL, hash = NULL, progress = NULL, epoch = NULL,
           removed = 1 WHERE key = ?`,
          seq,
          removal.key,
        );
        if (removal.hash) this.collectBlob(removal.hash, seq);
        sent.push({ key: removal.key, seq, bytes: 0, body: null, ref: null, removed: 1 });
      }
      if (sent.length > 0) {
        this.sql.exec(
          "UPDATE share SET seq = ?, bytes = ?, updated_at = ?, title = ? WHERE id = ?",
          seq,
          bytes,
          now,
          title,
          share.id,
        );
      }
      alsoInTransaction?.();
    });
    this.count("syncs", 1);
    if (sent.length > 0) this.count("rowsWritten", sent.length);

    if (sent.length > 0) {
      broadcast(this.ctx, sent, share.session_id);
      await this.alarmNoLaterThan(now + FLUSH_DELAY_MS);
    }
    return {
      ok: true,
      value: {
        ok: true,
        seq,
        accepted: planned.changes.length,
        unchanged,
        removed: removals.length,
        redacted,
        refused: batch.refused,
      },
    };
  }

  /** The stored versions of `keys`, read in one statement. */
  private storedVersions(keys: string[]): Map<string, StoredVersion> {
    const stored = new Map<string, StoredVersion>();
    if (keys.length === 0) return stored;
    const rows = this.sql.exec<Pick<ItemRow, "key" | "bytes" | "body" | "hash" | "progress" | "epoch" | "removed">>(
      "SELECT key, bytes, body, hash, progress, epoch, removed FROM items WHERE key IN (SELECT value FROM json_each(?))",
      JSON.stringify(keys),
    );
    for (const row of rows) {
      stored.set(row.key, {
        body: row.body,
        hash: row.hash,
        bytes: row.bytes,
        progress: row.progress === null ? undefined : (JSON.parse(row.progress) as Progress),
        epoch: row.epoch ?? undefined,
        removed: row.removed === 1,
      });
    }
    return stored;
  }

  /** The stored rows a `removed` list deletes (message keys expanded to their parts), minus keys just changed. */
  private removalRows(requested: string[], changed: Set<string>): Pick<ItemRow, "key" | "bytes" | "hash">[] {
    if (requested.length === 0) return [];
    const { keys, partPrefixes } = removalTargets(requested);
    const rows = this.sql
      .exec<Pick<ItemRow, "key" | "bytes" | "hash" | "seq">>(
        `SELECT key, bytes, hash, seq FROM items WHERE removed = 0 AND (key IN (SELECT value FROM json_each(?))
         OR EXISTS (SELECT 1 FROM json_each(?) AS prefix WHERE substr(items.key, 1, length(prefix.value)) = prefix.value))
         ORDER BY seq`,
        JSON.stringify(keys),
        JSON.stringify(partPrefixes),
      )
      .toArray();
    return rows.filter((row) => !changed.has(row.key));
  }

  /** Queues blob `hash` for deletion once a head at or after `seq` (which no longer names it) is written. */
  private collectBlob(hash: string, seq: number): void {
    this.sql.exec("INSERT OR REPLACE INTO blob_garbage (hash, after_seq) VALUES (?, ?)", hash, seq);
  }

  /**
   * Deletes the share: every R2 object under its prefix, all of this object's storage and its alarm; viewers get
   * `deleted`. `secret` `null` is the operator's takedown (the worker has checked the admin token).
   * Errors: `share_not_found`, `invalid_secret`, `storage_unavailable` (R2 failing: the share stays, retry).
   */
  async remove(secret: string | null): Promise<RoomResult<null>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (secret !== null && !(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };
      try {
        await this.deleteEverything(share.id);
      } catch (error) {
        return unavailable(error);
      }
      return { ok: true, value: null };
    });
  }

  /** Live facts for the admin listing. Errors: `share_not_found`. */
  async info(): Promise<RoomResult<RoomInfo>> {
    const share = this.share();
    if (!share) return { ok: false, code: "share_not_found" };
    return {
      ok: true,
      value: {
        viewers: this.ctx.getWebSockets().length,
        seq: share.seq,
        bytes: share.bytes,
        hydrated: share.hydrated === 1,
      },
    };
  }

  private async deleteEverything(id: string): Promise<void> {
    // R2 first: if it fails, the share still exists and the deletion is retried.
    await deleteShareObjects(this.r2, id);
    closeAllDeleted(this.ctx);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.hasTables = false;
    this.pending.clear();
  }

  /**
   * Brings R2 up to date with everything accepted so far (no-op when it already is), for one-shot readers such
   * as `GET /data` that cannot catch up over a WebSocket. Errors: `share_not_found`, `storage_unavailable`.
   */
  async flushNow(): Promise<RoomResult<{ seq: number }>> {
    return this.exclusive(async () => {
      if (!this.share()) return { ok: false, code: "share_not_found" };
      try {
        if (hasInbox(this.sql)) await this.drainInbox();
        if (needsFlush(this.sql, this.share()!)) await this.flush();
      } catch (error) {
        await this.schedule();
        return unavailable(error);
      }
      return { ok: true, value: { seq: this.share()!.seq } };
    });
  }

  /**
   * Viewer WebSocket upgrade (`/ws/:id?since=<seq>`, validated by the worker), or a legacy poller (`legacy=1`).
   * For an unknown share the socket gets `deleted` and closes at once.
   */
  override async fetch(request: Request): Promise<Response> {
    const share = this.share();
    if (!share) return deletedSocket();
    const url = new URL(request.url);
    if (url.searchParams.get("legacy") === "1") {
      // The legacy protocol replays every stored key on connect, so it needs every item in `items`.
      let current = share;
      if (!share.hydrated) {
        try {
          current = await this.exclusive(async () => {
            await this.drainInbox();
            await this.schedule();
            return this.share()!;
          });
        } catch {
          return new Response(null, { status: 503, headers: { "retry-after": String(RETRY_AFTER_S) } });
        }
      }
      return acceptLegacy(this.ctx, this.sql, current);
    }
    return acceptViewer(this.ctx, this.sql, share, Number(url.searchParams.get("since") ?? "0"));
  }

  override async webSocketMessage(): Promise<void> {
    // Viewers are read-only; heartbeats are answered by the auto-response without waking this object.
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
  }

  private async alarmNoLaterThan(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /** Sets the alarm to the earliest pending duty (see `room/duties.ts`); clears it when there is none. */
  private async schedule(): Promise<void> {
    const share = this.share();
    if (!share) return;
    const at = nextAlarm(this.sql, share, Date.now());
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
  }

  override async alarm(): Promise<void> {
    await this.exclusive(() => this.tick(Date.now()));
  }

  /** How many duties have work to do now (tests run the alarm until none has). */
  pendingDuties(): number {
    const share = this.share();
    return share ? pendingDuties(this.sql, share, Date.now()) : 0;
  }

  /** Runs `work` as `duty`: a failure is recorded for backoff and never escapes. Returns whether it succeeded. */
  private async runDuty(duty: Duty, now: number, work: () => Promise<void>): Promise<boolean> {
    try {
      await work();
      if (this.share()) succeeded(this.sql, duty);
      return true;
    } catch (error) {
      console.warn(`share room duty ${duty} failed: ${String(error)}`);
      if (this.share()) failed(this.sql, duty, now);
      return false;
    }
  }

  /**
   * The alarm's work at time `now` (Unix ms): expire, merge the inbox, flush, collect, compact when idle — each
   * duty on its own, a failure delaying only what depends on it — then re-arm, whatever happened. Tests call it
   * with a `now` in the future to run the idle compaction, the collection or the expiry.
   */
  async tick(now: number): Promise<void> {
    try {
      let share = this.share();
      if (!share) return;
      if (share.expires_at !== null && now >= share.expires_at) {
        if (await this.runDuty("expire", now, () => this.deleteEverything(share!.id))) return;
      }
      const merged = !hasInbox(this.sql) || (await this.runDuty("inbox", now, () => this.drainInbox()));
      share = this.share()!;
      const flushed = !needsFlush(this.sql, share) || (await this.runDuty("flush", now, () => this.flush()));
      await this.runDuty("gc", now, () => this.collect(now));
      share = this.share()!;
      const due = compactionDue(share);
      if (merged && flushed && due !== undefined && now >= due)
        await this.runDuty("compact", now, () => this.compact());
    } finally {
      await this.schedule();
    }
  }

  /**
   * Writes what changed since the last flush to R2: first every blob still held in SQLite, then the head with the
   * tail inline while the tail is small, else new segments and a head with an empty tail. Replaced objects are
   * queued for deletion only once that head is written.
   */
  private async flush(): Promise<void> {
    await this.uploadPendingBlobs();
    const share = this.share()!;
    const segments = JSON.parse(share.segments) as SegmentInfo[];
    const lastHi = segments.at(-1)?.hi ?? 0;
    if (weightAbove(this.sql, lastHi) > TAIL_INLINE_MAX_BYTES) {
      const next = await writeSegments(this.r2, this.sql, share, segments, "flush");
      await putHead(this.r2, share, next.segments, []);
      this.commitHead(share, next.segments, next.replaced);
    } else {
      await putHead(this.r2, share, segments, tailEntries(this.sql, lastHi));
      this.commitHead(share, segments, []);
    }
  }

  /** Records a head just written: what R2 reflects, and the objects it stopped naming, for collection. */
  private commitHead(share: ShareRow, segments: SegmentInfo[], replaced: string[]): void {
    const due = Date.now() + SEGMENT_GRACE_MS;
    this.transaction(() => {
      this.sql.exec(
        "UPDATE share SET flushed_seq = ?, segments = ? WHERE id = ?",
        share.seq,
        JSON.stringify(segments),
        share.id,
      );
      this.sql.exec(
        "DELETE FROM garbage WHERE name IN (SELECT value FROM json_each(?))",
        JSON.stringify(segments.map((segment) => segment.name)),
      );
      for (const name of replaced) this.sql.exec("INSERT OR REPLACE INTO garbage (name, due) VALUES (?, ?)", name, due);
      this.sql.exec(
        `INSERT OR REPLACE INTO garbage (name, due) SELECT 'blobs/' || hash || '.json', ? FROM blob_garbage
         WHERE after_seq <= ?`,
        due,
        share.seq,
      );
      this.sql.exec("DELETE FROM blob_garbage WHERE after_seq <= ?", share.seq);
    });
  }

  /** PUTs every blob held in SQLite (a sync's blob PUT failed), then drops its chunks. */
  private async uploadPendingBlobs(): Promise<void> {
    const share = this.share()!;
    for (const { hash } of this.sql.exec<{ hash: string }>("SELECT hash FROM pending_blobs").toArray()) {
      const owner = `blob:${hash}`;
      // A blob replaced before it reached R2 is no longer needed: drop it unwritten.
      const named = this.sql.exec("SELECT 1 FROM items WHERE hash = ? LIMIT 1", hash).toArray().length > 0;
      const json = named ? getChunks(this.sql, owner) : null;
      if (json) await putBlob(this.r2, share.id, hash, json);
      this.transaction(() => {
        dropChunks(this.sql, owner);
        this.sql.exec("DELETE FROM pending_blobs WHERE hash = ?", hash);
      });
    }
  }

  /** Deletes queued objects whose grace period is over and that neither the head nor a row names any more. */
  private async collect(now: number): Promise<void> {
    const share = this.share()!;
    const named = new Set((JSON.parse(share.segments) as SegmentInfo[]).map((segment) => segment.name));
    const due = this.sql.exec<{ name: string }>("SELECT name FROM garbage WHERE due <= ? LIMIT 1000", now).toArray();
    if (due.length === 0) return;
    const live = (name: string) => {
      if (named.has(name)) return true;
      const blob = name.match(/^blobs\/([0-9a-f]{64})\.json$/)?.[1];
      return (
        blob !== undefined && this.sql.exec("SELECT 1 FROM items WHERE hash = ? LIMIT 1", blob).toArray().length > 0
      );
    };
    await deleteNames(
      this.r2,
      share.id,
      due.map((row) => row.name).filter((name) => !live(name)),
    );
    this.transaction(() => {
      for (const row of due) this.sql.exec("DELETE FROM garbage WHERE name = ?", row.name);
    });
  }

  /**
   * Idle compaction: packs the tail and the small trailing segments into segments of at most
   * {@link SEGMENT_MAX_BYTES}, writes a head with an empty tail, and only then drops every item row (R2 now holds
   * them through that head; the next sync loads them back). Runs only with nothing unflushed.
   */
  private async compact(): Promise<void> {
    let share = this.share()!;
    if (needsFlush(this.sql, share) || hasInbox(this.sql)) return;
    const segments = JSON.parse(share.segments) as SegmentInfo[];
    const lastHi = segments.at(-1)?.hi ?? 0;
    const small = segments.filter((segment) => segment.bytes < SEGMENT_MAX_BYTES / 2).length;
    if (weightAbove(this.sql, lastHi) > 0 || small > 1) {
      const next = await writeSegments(this.r2, this.sql, share, segments, "compact");
      await putHead(this.r2, share, next.segments, []);
      this.commitHead(share, next.segments, next.replaced);
    }
    share = this.share()!;
    this.transaction(() => {
      this.sql.exec("DELETE FROM items");
      this.sql.exec("UPDATE share SET hydrated = 0, horizon = seq WHERE id = ?", share.id);
    });
  }
}

/** Checks each raw item of a batch once: its key, its JSON and size, or why it is refused. */
function checkBatch(data: unknown[], removed: string[]): Batch {
  const refused: RefusedItem[] = [];
  const items: Incoming[] = [];
  data.forEach((raw, index) => {
    const result = checkItem(raw);
    if (!result.ok) {
      refused.push({ index, code: result.code, message: result.message });
      return;
    }
    const json = JSON.stringify(result.item);
    const bytes = encoder.encode(json).byteLength;
    if (bytes > MAX_ITEM_BYTES) {
      refused.push({
        index,
        code: "item_too_large",
        message: `item is ${bytes} bytes; the limit is ${MAX_ITEM_BYTES}`,
      });
      return;
    }
    items.push({ index, key: result.key, item: result.item, json, bytes });
  });
  return { items, refused, removed };
}

/** Serializes an item again after redaction rewrote it (its size and blob hash with it). */
async function reserialize(change: Incoming): Promise<void> {
  const json = JSON.stringify(change.item);
  if (json === change.json) return;
  change.json = json;
  change.bytes = encoder.encode(json).byteLength;
  change.hash = change.bytes > INLINE_ITEM_MAX_BYTES ? await sha256Hex(json) : undefined;
}

/** The answer for an R2 failure a retry may fix. */
function unavailable(error: unknown): { ok: false; code: ErrorCode; message: string; retryAfter: number } {
  const detail = error instanceof HydrationError ? error.message : "R2 is failing";
  return {
    ok: false,
    code: "storage_unavailable",
    message: `Storage is unavailable: ${detail}.`,
    retryAfter: RETRY_AFTER_S,
  };
}

/** The `type` of a blob reference: the item type, and for parts the part type (`part:tool`). */
function refType(item: Item): string {
  const data = item.data as { type?: unknown } | undefined;
  return item.type === "part" && typeof data?.type === "string" ? `part:${data.type}` : item.type;
}

/** The session title of a `session` item, if it has one. */
function titleOf(item: Item): string | null {
  const title = (item.data as { title?: unknown } | undefined)?.title;
  return typeof title === "string" ? title : null;
}
