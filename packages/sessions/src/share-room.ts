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
  type ErrorCode,
  MAX_ITEMS_PER_SYNC,
  MAX_JSON_DEPTH,
  MAX_SYNC_BODY_BYTES,
  PING,
  PONG,
  SyncBodySchema,
  type SyncResponse,
} from "@shareroom/shared";
import { parseJson, readStreamText, utf8Text } from "./middleware/body";
import { ApiError } from "./middleware/errors";
import { SyncBudget } from "./room/budget";
import type { RoomContext, RoomResult } from "./room/context";
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
import { apply, checkBatch, drainInbox, toInbox } from "./room/ingest";
import { type BodyText, scanSyncBody } from "./room/item-text";
import { collect, compact, flush } from "./room/persist";
import { migrate, schemaVersion } from "./room/schema";
import {
  acceptLegacy,
  acceptViewer,
  admitViewer,
  CLOSE_INTERNAL_ERROR,
  CLOSE_TRY_AGAIN_LATER,
  closeForDeletion,
  endIfDeleted,
  endReplay,
  goneSocket,
  onViewerMessage,
  orphanedReplays,
  REPLAY_HIGH_WATER_BYTES,
  REPLAY_STALL_MS,
  REPLAY_WAIT_MAX_MS,
  REPLAY_WAIT_MS,
  REPLAY_WATCHDOG_MS,
  replayingPollers,
  replayStep,
} from "./room/sockets";
import { mark } from "./room/spans";
import { type ShareRow, shareRow } from "./room/store";
import { constantTimeEqual, sha256Hex } from "./secrets";
import { roomBucket } from "./storage/hook";
import { meteredBucket, type StorageStats } from "./storage/meter";
import { STORAGE_RETRY_AFTER_S } from "./storage/read";
import { deleteShareObjects } from "./storage/write";

export type { RoomResult };

/** An alarm that fires more than this before the earliest due duty (ms) was set by a replay's watchdog. */
const WATCHDOG_EARLY_MS = 1_000;

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

export class ShareRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly transaction: (run: () => void) => void;
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
  /** The last secret that matched `share.secret_hash` (in memory only; the share's storage keeps the hash). */
  private verifiedSecret: string | null = null;
  /** The share's syncs per minute, counted here (`room/budget.ts`). */
  private readonly budget: SyncBudget;
  /** What the room's modules (`room/`) get of this object. */
  private readonly room: RoomContext;
  /**
   * The alarm as this object last set or read it (Unix ms, `null`: none), `undefined` when not known. Only this
   * object sets its alarm, so a sync arming the flush (`alarmNoLaterThan`) needs no storage read after the first.
   */
  private alarmAt: number | null | undefined;
  /** This instance's id, which marks the legacy replays its loops send (`room/sockets.ts`, `orphanedReplays`). */
  private readonly instance = crypto.randomUUID();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.transaction = (run) => {
      const before = new Map(this.pending);
      try {
        ctx.storage.transactionSync(run);
      } catch (error) {
        // The counters as they stood: those saved inside the rolled-back transaction were never written, and what it
        // counted did not happen.
        this.pending = before;
        throw error;
      }
    };
    this.hasTables = schemaVersion(this.sql) > 0;
    if (this.hasTables) migrate(this.sql, (run) => ctx.storage.transactionSync(run));
    this.budget = new SyncBudget(env, ctx.storage.kv);
    this.r2 = meteredBucket(roomBucket(env.SHARES, ctx), (name, amount) => this.count(name, amount));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.room = {
      sql: this.sql,
      transaction: this.transaction,
      r2: this.r2,
      state: ctx,
      redact: env.REDACT_SECRETS !== "false",
      count: (name, amount) => this.count(name, amount),
      saveStats: () => this.saveStats(),
      alarmNoLaterThan: (at) => this.alarmNoLaterThan(at),
      schedule: () => this.schedule(),
    };
    this.resumeReplays();
  }

  private count(name: keyof StorageStats, amount: number): void {
    this.pending.set(name, (this.pending.get(name) ?? 0) + amount);
  }

  /**
   * Adds the counts gathered so far to the `stats` table. A task that wrote nothing else (an unchanged re-send)
   * keeps its counts in memory for the next task that writes, so it costs no row write.
   */
  private saveStats(): void {
    // Decided in memory, without reading the share row: this runs twice per sync (in its transaction, then when its
    // task ends), and the tables exist exactly while the share does (`create` makes them, deletion drops them).
    if ([...this.pending.keys()].every((name) => name === "syncs")) return;
    if (!this.hasTables) {
      this.pending.clear();
      return;
    }
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
    // The CLI sends the same secret with every sync: once one has matched the stored hash, later ones are compared
    // to it directly, without a digest on the sync path.
    if (this.verifiedSecret !== null && constantTimeEqual(secret, this.verifiedSecret)) return true;
    const ok = constantTimeEqual(await sha256Hex(secret), share.secret_hash);
    if (ok) this.verifiedSecret = secret;
    return ok;
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
      await this.runDuty("flush", Date.now(), () => flush(this.room));
      await this.schedule();
      return { ok: true, value: { seq: 0 } };
    });
  }

  /**
   * Applies one sync batch whose body arrives as bytes (read whole by the worker, or the request body streamed over
   * RPC): up to `MAX_SYNC_BODY_BYTES`, parsed and checked once, here. Errors: `payload_too_large`, `invalid_json`,
   * `invalid_body`, and those of {@link sync}.
   */
  async syncBody(body: ReadableStream<Uint8Array> | Uint8Array | null): Promise<RoomResult<SyncResponse>> {
    let parsed: { secret: string; data: unknown[]; removed?: string[] };
    let texts: BodyText | undefined;
    mark("rpc to room");
    try {
      const text =
        body instanceof Uint8Array
          ? utf8Text(body, MAX_SYNC_BODY_BYTES)
          : await readStreamText(body, MAX_SYNC_BODY_BYTES);
      mark("read body");
      const scan = scanSyncBody(text, MAX_JSON_DEPTH);
      parsed = parseJson(text, SyncBodySchema, scan.depth);
      if (scan.items) {
        texts = { text, items: scan.items, ascii: body instanceof Uint8Array && text.length === body.byteLength };
      }
      mark("parse body");
    } catch (error) {
      if (error instanceof ApiError) return { ok: false, code: error.code, message: error.message };
      throw error;
    }
    if (parsed.data.length > MAX_ITEMS_PER_SYNC) {
      return { ok: false, code: "payload_too_large", message: `A batch holds at most ${MAX_ITEMS_PER_SYNC} items.` };
    }
    return this.merge(parsed.secret, parsed.data, parsed.removed ?? [], true, texts);
  }

  /**
   * Applies one sync batch. Items are checked one by one: refused ones are listed, the rest are stored; then the
   * `removed` keys are deleted. Answered only once durable — in the rows, or, while the share cannot be loaded
   * back from R2, in the inbox (merged by the alarm; `accepted` then counts the items kept for it).
   * Errors: `share_not_found`, `invalid_secret`, `rate_limited` (the share's sync budget, `room/budget.ts`, counted
   * once the secret verifies and before anything is stored), `share_too_large` (nothing of the batch is stored),
   * `storage_unavailable` (R2 failing and the inbox cannot tell whether the batch fits). `charged: false` (legacy
   * `/share_sync`, one key per request) skips the budget.
   */
  async sync(
    secret: string,
    data: unknown[],
    removed: string[] = [],
    { charged = true }: { charged?: boolean } = {},
  ): Promise<RoomResult<SyncResponse>> {
    return this.merge(secret, data, removed, charged);
  }

  /** {@link sync}, with the text of the body `data` came from when there is one (`room/item-text.ts`). */
  private merge(
    secret: string,
    data: unknown[],
    removed: string[],
    charged: boolean,
    texts?: BodyText,
  ): Promise<RoomResult<SyncResponse>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      mark("wait for queue");
      if (!(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };
      mark("check secret");
      if (charged && !this.budget.charge(Date.now())) return { ok: false, code: "rate_limited" };
      const batch = checkBatch(data, removed, texts);
      mark("check items");
      let current: ShareRow;
      try {
        current = await drainInbox(this.room, share);
        mark("inbox");
      } catch (error) {
        return toInbox(this.room, share, batch, error);
      }
      const result = await apply(this.room, batch, current);
      // Rows loaded back for this sync are compacted again once idle, even when the sync changed nothing.
      if (!share.hydrated) await this.schedule();
      return result;
    });
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
    await this.setAlarm(null);
    await this.ctx.storage.deleteAll();
    this.budget.forget();
    this.hasTables = false;
    this.verifiedSecret = null;
    this.pending.clear();
    // Closed once the tables are gone, so each close's `webSocketClose` finds the share deleted and ends the room.
    closeForDeletion(this.ctx);
  }

  /**
   * Brings R2 up to date with everything accepted so far (no-op when it already is), for one-shot readers such
   * as `GET /data` that cannot catch up over a WebSocket. Errors: `share_not_found`, `storage_unavailable`.
   */
  async flushNow(): Promise<RoomResult<{ seq: number }>> {
    return this.exclusive(async () => {
      if (!this.share()) return { ok: false, code: "share_not_found" };
      try {
        if (hasInbox(this.sql)) await drainInbox(this.room);
        if (needsFlush(this.sql, this.share()!)) await flush(this.room);
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
    const url = new URL(request.url);
    const legacy = url.searchParams.get("legacy") === "1";
    if (!share) return goneSocket(legacy);
    const admission = admitViewer(this.ctx, this.env, request);
    if (admission instanceof Response) return admission;
    if (legacy) {
      // The legacy protocol replays every stored key on connect, so it needs every item in `items`.
      if (!share.hydrated) {
        try {
          await this.hydrate();
        } catch {
          return new Response(null, { status: 503, headers: { "retry-after": String(STORAGE_RETRY_AFTER_S) } });
        }
      }
      const { response, socket } = acceptLegacy(this.ctx, admission, this.instance);
      try {
        await this.alarmNoLaterThan(Date.now() + REPLAY_WATCHDOG_MS);
      } catch (error) {
        // Only an eviction needs the watchdog; this instance's loop goes on without it.
        console.warn(`share room: arming the replay watchdog failed: ${String(error)}`);
      }
      // Its first step waits for a timer, so it runs once this upgrade is answered.
      void this.replay(socket);
      return response;
    }
    return acceptViewer(this.ctx, this.sql, share, Number(url.searchParams.get("since") ?? "0"), admission);
  }

  /** Loads every row of the share back from R2 (rehydration, through the inbox's merge), then re-arms the alarm. */
  private hydrate(): Promise<void> {
    return this.exclusive(async () => {
      await drainInbox(this.room);
      await this.schedule();
    });
  }

  /**
   * Runs on every legacy replay that no loop of this instance sends: one cut short by an eviction (its sockets
   * outlive the instance) goes on from where it stopped. Called when the object wakes and from the alarm, which
   * `schedule` keeps armed while a replay runs, so an evicted object is woken for it.
   */
  private resumeReplays(): void {
    for (const ws of orphanedReplays(this.ctx, this.instance)) void this.replay(ws);
  }

  /**
   * Runs the replay of the legacy poller `ws` to its end, one {@link replayStep} per turn, the first once the
   * upgrade is answered. After each step it yields, and waits while the socket has more than
   * `REPLAY_HIGH_WATER_BYTES` queued (5 ms, doubling up to 250 ms), so a slow client holds at most about that much in
   * the runtime, and a sync waits at most one step. A queue that has not shrunk for `REPLAY_STALL_MS` ends the replay
   * with 1013. (`bufferedAmount` is newer than some local runtimes, the vitest plugin's among them: where it is
   * missing, the replay only yields after every step.) Rows dropped by an idle compaction meanwhile are loaded back
   * first; if they cannot be (R2 failing), or anything else fails, the socket closes with 1011 and the poller
   * connects again. Never rejects.
   */
  private async replay(ws: WebSocket): Promise<void> {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      for (;;) {
        await pause(0);
        const share = this.share();
        if (!share) return;
        if (!share.hydrated) {
          await this.hydrate();
          continue;
        }
        if (replayStep(this.sql, share, ws, this.instance)) return;
        let queued = ws.bufferedAmount;
        let since = Date.now();
        let wait = REPLAY_WAIT_MS;
        while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount >= REPLAY_HIGH_WATER_BYTES) {
          if (ws.bufferedAmount < queued) {
            queued = ws.bufferedAmount;
            since = Date.now();
            wait = REPLAY_WAIT_MS;
          } else if (Date.now() - since >= REPLAY_STALL_MS) {
            endReplay(ws, CLOSE_TRY_AGAIN_LATER, "the replay waited too long for the client to read");
            return;
          }
          await pause(wait);
          wait = Math.min(2 * wait, REPLAY_WAIT_MAX_MS);
        }
      }
    } catch (error) {
      console.warn(`share room: a legacy replay failed: ${String(error)}`);
      endReplay(ws, CLOSE_INTERNAL_ERROR, "storage unavailable");
    }
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Heartbeats are answered by the auto-response without waking this object: anything arriving here is not.
    onViewerMessage(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // Already closed.
    }
    endIfDeleted(this.ctx, this.hasTables);
  }

  private async alarmNoLaterThan(at: number): Promise<void> {
    const current = this.alarmAt === undefined ? await this.ctx.storage.getAlarm() : this.alarmAt;
    this.alarmAt = current;
    if (current === null || current > at) await this.setAlarm(at);
  }

  /** Sets the alarm to `at` (Unix ms; `null` deletes it), and remembers it (see {@link alarmAt}). */
  private async setAlarm(at: number | null): Promise<void> {
    // Unknown until the storage call succeeds: a failed one may or may not have moved it.
    this.alarmAt = undefined;
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /**
   * Sets the alarm to the earliest pending duty (see `room/duties.ts`); clears it when there is none. While a legacy
   * replay runs, no later than {@link REPLAY_WATCHDOG_MS} ahead.
   */
  private async schedule(): Promise<void> {
    const share = this.share();
    if (!share) return;
    const replaying = replayingPollers(this.ctx).length > 0;
    await this.setAlarm(nextAlarm(this.sql, share, Date.now(), { replaying, watchdogMs: REPLAY_WATCHDOG_MS }));
  }

  override async alarm(): Promise<void> {
    // The alarm that fired is spent: what is set now is read again, until `tick` schedules the next one.
    this.alarmAt = undefined;
    await this.exclusive(async () => {
      const share = this.share();
      const now = Date.now();
      if (share && replayingPollers(this.ctx).length > 0) {
        // Set by a replay's watchdog before any duty is due: it resumes replays and runs no duty early (a retry
        // waits out its backoff).
        const due = nextAlarm(this.sql, share, now);
        if (due === null || due > now + WATCHDOG_EARLY_MS) {
          this.resumeReplays();
          await this.schedule();
          return;
        }
      }
      await this.tick(now);
    });
  }

  /** How many duties have work to do now (tests run the alarm until none has). */
  pendingDuties(): number {
    const share = this.share();
    return share ? pendingDuties(this.sql, share, Date.now()) : 0;
  }

  /** Runs `work` as `duty`: a failure is recorded for backoff and never escapes. Returns whether it succeeded. */
  private async runDuty(duty: Duty, now: number, work: () => Promise<unknown>): Promise<boolean> {
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
    this.resumeReplays();
    try {
      let share = this.share();
      if (!share) return;
      if (share.expires_at !== null && now >= share.expires_at) {
        if (await this.runDuty("expire", now, () => this.deleteEverything(share!.id))) return;
      }
      const merged = !hasInbox(this.sql) || (await this.runDuty("inbox", now, () => drainInbox(this.room)));
      share = this.share()!;
      const flushed = !needsFlush(this.sql, share) || (await this.runDuty("flush", now, () => flush(this.room)));
      await this.runDuty("gc", now, () => collect(this.room, now));
      share = this.share()!;
      const due = compactionDue(share);
      if (merged && flushed && due !== undefined && now >= due)
        await this.runDuty("compact", now, () => compact(this.room));
    } finally {
      await this.schedule();
    }
  }
}

/** The answer for an R2 failure a retry may fix. */
function unavailable(error: unknown): { ok: false; code: ErrorCode; retryAfter: number } {
  // The error names R2 objects: it goes to the log, the client gets the fixed text of the code.
  console.error(`share room: storage unavailable: ${String(error)}`);
  return { ok: false, code: "storage_unavailable", retryAfter: STORAGE_RETRY_AFTER_S };
}
