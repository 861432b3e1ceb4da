/**
 * `ShareRoom`: the Durable Object of one share (`idFromName(shareId)`), its single writer.
 *
 * Every sync goes through it: it applies the batch in order with the merge rule, gives each accepted change the
 * next sequence number (`seq`), answers only once the change is durable in its SQLite storage, and broadcasts the
 * change to the share's viewers (hibernation WebSocket API). An alarm flushes what changed to R2
 * (`storage/layout.ts`), from where pages read without waking this object.
 */

import { DurableObject } from "cloudflare:workers";
import {
  type BlobRef,
  CLOSE_SHARE_DELETED,
  checkItem,
  type Entry,
  type ErrorCode,
  INLINE_ITEM_MAX_BYTES,
  type Item,
  MAX_CATCH_UP_BYTES,
  MAX_ITEM_BYTES,
  MAX_LIVE_MESSAGE_BYTES,
  MAX_SHARE_BYTES,
  PING,
  PONG,
  type RefusedItem,
  type ServerMessage,
  type SyncResponse,
} from "@shareroom/shared";
import { batchEpoch, type Progress, progressOf, supersedes } from "./merge";
import { redactSecrets } from "./redact";
import { chargeSyncBudget } from "./room/budget";
import {
  admitViewer,
  closeForDeletion,
  endIfDeleted,
  goneSocket,
  LEGACY_TAG,
  onViewerMessage,
  VIEWER_TAG,
} from "./room/viewers";
import { constantTimeEqual, sha256Hex } from "./secrets";
import {
  blobKey,
  FLUSH_DELAY_MS,
  HEAD_VERSION,
  headKey,
  IDLE_COMPACT_MS,
  MAX_SEGMENTS,
  SEGMENT_GRACE_MS,
  SEGMENT_GROWTH_FACTOR,
  type SegmentInfo,
  segmentName,
  sharePrefix,
  TAIL_INLINE_MAX_BYTES,
} from "./storage/layout";
import { meteredBucket, type StorageStats } from "./storage/meter";
import { readSnapshot } from "./storage/read";

/** What an RPC method of the room answers: a value, or an error code for the worker to turn into a response. */
export type RoomResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message?: string };

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

interface ShareRow {
  id: string;
  secret_hash: string;
  session_id: string;
  title: string | null;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  seq: number;
  bytes: number;
  flushed_seq: number;
  segments: string;
  /** 1 while `items` holds every item; 0 after an idle compaction dropped them (R2 has them). */
  hydrated: number;
  /** Catch-up is exact only from this seq on: the seq at which items were last dropped. */
  horizon: number;
  [key: string]: SqlStorageValue;
}

interface ItemRow {
  key: string;
  seq: number;
  bytes: number;
  body: string | null;
  ref: string | null;
  progress: string | null;
  epoch: number | null;
  [key: string]: SqlStorageValue;
}

interface PendingChange {
  key: string;
  json: string;
  bytes: number;
  item: Item;
  /** SHA-256 hex of `json`, once computed (items over the inline limit only). */
  hash?: string;
  ref?: BlobRef;
}

const encoder = new TextEncoder();

/** Serializes one stored row as an {@link Entry}'s JSON without re-parsing the stored item text. */
function entryJson(row: Pick<ItemRow, "key" | "seq" | "body" | "ref">): string {
  const head = `{"key":${JSON.stringify(row.key)},"seq":${row.seq},`;
  return row.body !== null ? `${head}"item":${row.body}}` : `${head}"ref":${row.ref}}`;
}

/** {@link entryJson} plus the batch epoch, for R2: the merge rule needs it again after an idle compaction. */
function storedEntryJson(row: Pick<ItemRow, "key" | "seq" | "body" | "ref" | "epoch">): string {
  const json = entryJson(row);
  return row.epoch === null || row.epoch === undefined ? json : `${json.slice(0, -1)},"epoch":${row.epoch}}`;
}

/** A stored row as it is sent: its entry JSON is built from `body`/`ref` without serializing the item again. */
type SentRow = Pick<ItemRow, "key" | "seq" | "body" | "ref" | "bytes">;

/**
 * Packs rows (in seq order) into `changes` messages of at most about `MAX_LIVE_MESSAGE_BYTES` each; a row larger
 * than that travels alone. Used for catch-up and for live broadcasts alike.
 */
function changeMessages(rows: Iterable<SentRow>): string[] {
  const messages: string[] = [];
  let batch: string[] = [];
  let batchBytes = 0;
  const close = () => {
    if (batch.length > 0) messages.push(`{"type":"changes","changes":[${batch.join(",")}]}`);
    batch = [];
    batchBytes = 0;
  };
  for (const row of rows) {
    const bytes = row.body === null ? 256 : row.bytes;
    if (batch.length > 0 && batchBytes + bytes > MAX_LIVE_MESSAGE_BYTES) close();
    batch.push(entryJson(row));
    batchBytes += bytes;
  }
  close();
  return messages;
}

export class ShareRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Tail of the queue that runs syncs, flushes and deletion one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** R2, with every operation added to {@link pending} for the `stats` table. */
  private readonly r2: ReturnType<typeof meteredBucket>;
  private pending = new Map<keyof StorageStats, number>();
  /**
   * Whether this object holds a share's tables. They are created by `create` only, so an object woken for an id
   * that names no share (a probe, a stale link, a sync after delete) reads nothing, writes nothing, and leaves no
   * storage behind; deletion drops them with everything else.
   */
  private hasTables: boolean;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.hasTables =
      this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'share'").toArray().length > 0;
    this.r2 = meteredBucket(env.SHARES, (name, amount) => this.count(name, amount));
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** The schema of a share (idempotent). */
  private createTables(): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS share (
        id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, session_id TEXT NOT NULL, title TEXT,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, expires_at INTEGER,
        seq INTEGER NOT NULL, bytes INTEGER NOT NULL, flushed_seq INTEGER NOT NULL, segments TEXT NOT NULL,
        hydrated INTEGER NOT NULL, horizon INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS items (
        key TEXT PRIMARY KEY, seq INTEGER NOT NULL, bytes INTEGER NOT NULL,
        body TEXT, ref TEXT, progress TEXT, epoch INTEGER
      );
      CREATE INDEX IF NOT EXISTS items_by_seq ON items (seq);
      CREATE TABLE IF NOT EXISTS garbage (name TEXT PRIMARY KEY, due INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.hasTables = true;
  }

  /** Adds `amount` to a storage counter; {@link saveStats} persists it when the current task ends. */
  private count(name: keyof StorageStats, amount: number): void {
    this.pending.set(name, (this.pending.get(name) ?? 0) + amount);
  }

  /** Adds the counts gathered since the last call to the `stats` table (one row write per counter that moved). */
  private saveStats(): void {
    if (!this.share()) {
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
    return { ok: true, value: stats };
  }

  /**
   * Runs `task` after every earlier queued task has finished, so writes never interleave across awaits; then
   * records the storage work it did.
   */
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
    if (!this.hasTables) return undefined;
    return this.sql.exec<ShareRow>("SELECT * FROM share LIMIT 1").toArray()[0];
  }

  private async checkSecret(share: ShareRow, secret: string): Promise<boolean> {
    return constantTimeEqual(await sha256Hex(secret), share.secret_hash);
  }

  /**
   * Initializes the share and writes its first (empty) head to R2, so the share page and `/data` answer at once.
   * Errors: `internal_error` if this object already holds a share (ids are random, so only on a bug).
   */
  async create(args: CreateArgs): Promise<RoomResult<{ seq: number }>> {
    return this.exclusive(async () => {
      if (this.share()) return { ok: false, code: "internal_error", message: "share id collision" };
      this.createTables();
      const expiresAt = args.ttlDays > 0 ? args.now + args.ttlDays * 86_400_000 : null;
      this.sql.exec(
        `INSERT INTO share (id, secret_hash, session_id, title, created_at, updated_at, expires_at, seq, bytes,
          flushed_seq, segments, hydrated, horizon) VALUES (?, ?, ?, NULL, ?, ?, ?, 0, 0, 0, '[]', 1, 0)`,
        args.shareId,
        args.secretHash,
        args.sessionID,
        args.now,
        args.now,
        expiresAt,
      );
      await this.writeHead(this.share()!, [], []);
      await this.schedule();
      return { ok: true, value: { seq: 0 } };
    });
  }

  /**
   * Applies one sync batch. Items are checked one by one: refused ones are listed, the rest are stored.
   * Errors: `share_not_found`, `invalid_secret`, `share_too_large` (nothing of the batch is stored).
   */
  async sync(secret: string, data: unknown[]): Promise<RoomResult<SyncResponse>> {
    return this.exclusive(async () => {
      let share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (!(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };
      if (!(await chargeSyncBudget(this.env, share.id, secret))) return { ok: false, code: "rate_limited" };
      share = await this.hydrated(share);

      const refused: RefusedItem[] = [];
      const checked: { index: number; key: string; item: Item }[] = [];
      data.forEach((raw, index) => {
        const result = checkItem(raw);
        if (result.ok) checked.push({ index, key: result.key, item: result.item });
        else refused.push({ index, code: result.code, message: result.message });
      });
      // The items arrived over RPC, so they are this call's own copies: redaction may rewrite them in place.
      const redacted =
        this.env.REDACT_SECRETS === "false" ? 0 : await redactSecrets(checked.map((entry) => entry.item));
      // Last item for a key wins within the batch (the CLI's rule); Map keeps first-insertion order.
      const batch = new Map<string, PendingChange>();
      for (const { index, key, item } of checked) {
        const json = JSON.stringify(item);
        const bytes = encoder.encode(json).byteLength;
        if (bytes > MAX_ITEM_BYTES) {
          refused.push({
            index,
            code: "item_too_large",
            message: `item is ${bytes} bytes; the limit is ${MAX_ITEM_BYTES}`,
          });
          continue;
        }
        batch.delete(key);
        batch.set(key, { key, json, bytes, item });
      }
      refused.sort((a, b) => a.index - b.index);

      const epoch = batchEpoch([...batch.values()].map((change) => change.item));
      const changes: PendingChange[] = [];
      let unchanged = 0;
      let bytes = share.bytes;
      for (const change of batch.values()) {
        const stored = this.sql
          .exec<Pick<ItemRow, "bytes" | "body" | "ref" | "progress" | "epoch">>(
            "SELECT bytes, body, ref, progress, epoch FROM items WHERE key = ?",
            change.key,
          )
          .toArray()[0];
        if (stored) {
          const version = {
            progress: stored.progress === null ? undefined : (JSON.parse(stored.progress) as Progress),
            epoch: stored.epoch ?? undefined,
          };
          if (stored.ref !== null && change.bytes > INLINE_ITEM_MAX_BYTES) {
            change.hash = await sha256Hex(change.json);
            if ((JSON.parse(stored.ref) as BlobRef).hash === change.hash) {
              unchanged++;
              continue;
            }
          }
          if (stored.body === change.json || !supersedes(version, change.item, epoch)) {
            unchanged++;
            continue;
          }
        }
        bytes += change.bytes - (stored?.bytes ?? 0);
        changes.push(change);
      }
      if (bytes > MAX_SHARE_BYTES) {
        return {
          ok: false,
          code: "share_too_large",
          message: `the share would hold ${bytes} bytes; the limit is ${MAX_SHARE_BYTES}`,
        };
      }

      // Large items go to R2 before anything points at them; a blob is content-addressed, so rewriting is harmless.
      for (const change of changes) {
        if (change.bytes <= INLINE_ITEM_MAX_BYTES) continue;
        const hash = change.hash ?? (await sha256Hex(change.json));
        await this.r2.put(blobKey(share.id, hash), change.json, {
          httpMetadata: { contentType: "application/json" },
        });
        change.ref = { hash, bytes: change.bytes, type: refType(change.item) };
      }

      const sent: SentRow[] = [];
      let seq = share.seq;
      const now = Date.now();
      const session = changes.find((change) => change.item.type === "session");
      const title = session ? titleOf(session.item) : share.title;
      this.ctx.storage.transactionSync(() => {
        for (const change of changes) {
          seq++;
          const progress = progressOf(change.item);
          const row: SentRow = {
            key: change.key,
            seq,
            bytes: change.bytes,
            body: change.ref ? null : change.json,
            ref: change.ref ? JSON.stringify(change.ref) : null,
          };
          this.sql.exec(
            `INSERT INTO items (key, seq, bytes, body, ref, progress, epoch) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, body = excluded.body,
             ref = excluded.ref, progress = excluded.progress, epoch = excluded.epoch`,
            row.key,
            row.seq,
            row.bytes,
            row.body,
            row.ref,
            progress ? JSON.stringify(progress) : null,
            epoch ?? null,
          );
          sent.push(row);
        }
        this.count("syncs", 1);
        this.count("rowsWritten", changes.length);
        if (changes.length > 0) {
          this.sql.exec(
            "UPDATE share SET seq = ?, bytes = ?, updated_at = ?, title = ? WHERE id = ?",
            seq,
            bytes,
            now,
            title,
            share.id,
          );
        }
      });

      if (sent.length > 0) {
        this.broadcast(sent, share.session_id);
        await this.alarmNoLaterThan(now + FLUSH_DELAY_MS);
      }
      return { ok: true, value: { ok: true, seq, accepted: changes.length, unchanged, redacted, refused } };
    });
  }

  /**
   * Deletes the share: every R2 object under its prefix, all of this object's storage and its alarm; viewers get
   * `deleted` and a {@link CLOSE_SHARE_DELETED} close. `secret` `null` is the operator's takedown (the worker has
   * checked the admin token). Errors: `share_not_found`, `invalid_secret`.
   */
  async remove(secret: string | null): Promise<RoomResult<null>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (secret !== null && !(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };
      await this.deleteEverything(share.id);
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
    // R2 first: if it fails, the share still exists and the owner can retry.
    let cursor: string | undefined;
    do {
      const listing = await this.r2.list({ prefix: sharePrefix(id), cursor });
      if (listing.objects.length > 0) await this.r2.delete(listing.objects.map((object) => object.key));
      cursor = listing.truncated ? listing.cursor : undefined;
    } while (cursor);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.hasTables = false;
    closeForDeletion(this.ctx);
  }

  /**
   * Brings R2 up to date with everything accepted so far (no-op when it already is), for one-shot readers such
   * as `GET /data` that cannot catch up over a WebSocket. Errors: `share_not_found`.
   */
  async flushNow(): Promise<RoomResult<{ seq: number }>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (share.flushed_seq < share.seq) await this.flush(share);
      return { ok: true, value: { seq: share.seq } };
    });
  }

  /**
   * Viewer WebSocket upgrade (`/ws/:id?since=<seq>`, validated by the worker). Sends the changes after `since`
   * (or `reset`), then `ready`, then every accepted change live. For an unknown share the socket gets `deleted` and
   * closes at once with {@link CLOSE_SHARE_DELETED}.
   */
  override async fetch(request: Request): Promise<Response> {
    const share = this.share();
    const url = new URL(request.url);
    if (!share) return goneSocket(url.searchParams.get("legacy") === "1");
    const admission = admitViewer(this.ctx, this.env, request);
    if (admission instanceof Response) return admission;
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    if (url.searchParams.get("legacy") === "1") {
      // The legacy protocol replays every stored key on connect, so it needs every item in `items`.
      const current = share.hydrated ? share : await this.exclusive(() => this.hydrated(this.share()!));
      this.ctx.acceptWebSocket(server, [LEGACY_TAG, ...admission]);
      // No await from here on (as below).
      const rows = this.sql.exec<ItemRow>("SELECT key, seq, body, ref FROM items ORDER BY seq").toArray();
      for (const message of legacyMessages(current.session_id, rows)) server.send(message);
      return new Response(null, { status: 101, webSocket: client });
    }
    const since = Number(url.searchParams.get("since") ?? "0");
    this.ctx.acceptWebSocket(server, [VIEWER_TAG, ...admission]);
    // From here to the end no await: no sync can slip in between the catch-up query and live broadcasts.
    for (const message of this.catchUp(share, since)) server.send(message);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The messages that bring a viewer at `since` up to date: changes (split by size) and `ready`, or `reset`. */
  private catchUp(share: ShareRow, since: number): string[] {
    const { seq } = share;
    const message = (value: ServerMessage) => JSON.stringify(value);
    if (since > seq) return [message({ type: "reset", seq, reason: "ahead_of_share" })];
    if (since === seq) return [message({ type: "ready", seq })];
    // After an idle compaction only R2 holds the items: a viewer that is behind reloads the snapshot from there.
    if (since < share.horizon) return [message({ type: "reset", seq, reason: "too_far_behind" })];
    const total = this.sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM items WHERE seq > ?", since);
    if ((total.one().bytes ?? 0) > MAX_CATCH_UP_BYTES) {
      return [message({ type: "reset", seq, reason: "too_far_behind" })];
    }
    const rows = this.sql.exec<ItemRow>(
      "SELECT key, seq, bytes, body, ref FROM items WHERE seq > ? ORDER BY seq",
      since,
    );
    return [...changeMessages(rows), message({ type: "ready", seq })];
  }

  /** Sends accepted rows to every viewer, and to legacy pollers in their `{key, content}` form. */
  private broadcast(rows: SentRow[], sessionID: string): void {
    const legacy = this.ctx.getWebSockets(LEGACY_TAG);
    if (legacy.length > 0) {
      const messages = legacyMessages(sessionID, rows);
      for (const ws of legacy) for (const message of messages) trySend(ws, message);
    }
    const sockets = this.ctx.getWebSockets(VIEWER_TAG);
    if (sockets.length === 0) return;
    const messages = changeMessages(rows);
    for (const ws of sockets) for (const message of messages) trySend(ws, message);
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

  /** Moves the alarm earlier to `at` (Unix ms) if it is unset or later. */
  private async alarmNoLaterThan(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /**
   * Sets the alarm to the earliest pending duty: a flush, a replaced segment's deletion, the idle compaction, the
   * expiry. Clears it when there is none, so an idle, compacted share never wakes.
   */
  private async schedule(): Promise<void> {
    const share = this.share();
    if (!share) return;
    const now = Date.now();
    const duties: number[] = [];
    if (share.flushed_seq < share.seq) duties.push(now + FLUSH_DELAY_MS);
    const gc = this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM garbage").one().due;
    if (gc !== null) duties.push(gc);
    if (share.hydrated && share.seq > 0) duties.push(share.updated_at + IDLE_COMPACT_MS);
    if (share.expires_at !== null) duties.push(share.expires_at);
    if (duties.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(Math.min(...duties), now + 10));
  }

  override async alarm(): Promise<void> {
    await this.exclusive(() => this.tick(Date.now()));
  }

  /**
   * The alarm's work, at time `now` (Unix ms): expire, flush, collect replaced segments, compact when idle, then
   * re-arm. Tests call it with a `now` in the future to run the idle compaction or the expiry.
   */
  async tick(now: number): Promise<void> {
    let share = this.share();
    if (!share) return;
    if (share.expires_at !== null && now >= share.expires_at) {
      await this.deleteEverything(share.id);
      return;
    }
    if (share.flushed_seq < share.seq) {
      await this.flush(share);
      share = this.share()!;
    }
    const due = this.sql.exec<{ name: string }>("SELECT name FROM garbage WHERE due <= ?", now).toArray();
    if (due.length > 0) {
      await this.r2.delete(due.map((row) => sharePrefix(share!.id) + row.name));
      for (const row of due) this.sql.exec("DELETE FROM garbage WHERE name = ?", row.name);
    }
    if (share.hydrated && share.seq > 0 && now - share.updated_at >= IDLE_COMPACT_MS) await this.compact(share);
    await this.schedule();
  }

  /**
   * Writes what changed since the last flush to R2: the head with the tail inline while the tail is small, else a
   * new segment (merged with its predecessors per the size-tiered rule) and a head with an empty tail.
   */
  private async flush(share: ShareRow): Promise<void> {
    let segments = JSON.parse(share.segments) as SegmentInfo[];
    const lastHi = segments.at(-1)?.hi ?? 0;
    const tailBytes =
      this.sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM items WHERE seq > ?", lastHi).one()
        .bytes ?? 0;
    let tail: string[] = [];
    if (tailBytes > TAIL_INLINE_MAX_BYTES) {
      segments = await this.writeSegment(share, segments, tailBytes);
    } else {
      tail = this.sql
        .exec<ItemRow>("SELECT key, seq, body, ref, epoch FROM items WHERE seq > ? ORDER BY seq", lastHi)
        .toArray()
        .map(storedEntryJson);
    }
    await this.writeHead(share, segments, tail);
  }

  /** PUTs the head and records what R2 now reflects. Custom metadata feeds the admin listing without a body read. */
  private async writeHead(share: ShareRow, segments: SegmentInfo[], tail: string[]): Promise<void> {
    const head = `{"version":${HEAD_VERSION},"id":${JSON.stringify(share.id)},"createdAt":${share.created_at},"updatedAt":${share.updated_at},"seq":${share.seq},"segments":${JSON.stringify(segments)},"tail":[${tail.join(",")}]}`;
    await this.r2.put(headKey(share.id), head, {
      httpMetadata: { contentType: "application/json" },
      customMetadata: {
        title: (share.title ?? "").slice(0, 500),
        createdAt: String(share.created_at),
        updatedAt: String(share.updated_at),
        bytes: String(share.bytes),
        seq: String(share.seq),
      },
    });
    this.sql.exec(
      "UPDATE share SET flushed_seq = ?, segments = ? WHERE id = ?",
      share.seq,
      JSON.stringify(segments),
      share.id,
    );
  }

  /**
   * Idle compaction: rewrites the share as at most one segment (so a dormant share costs one or two R2 reads per
   * view), then drops every item row — R2 holds them all, and the next sync loads them back ({@link hydrated}).
   */
  private async compact(share: ShareRow): Promise<void> {
    let segments = JSON.parse(share.segments) as SegmentInfo[];
    const lastHi = segments.at(-1)?.hi ?? 0;
    const tailCount = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM items WHERE seq > ?", lastHi).one().n;
    if (segments.length + (tailCount > 0 ? 1 : 0) > 1) {
      const all = this.sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM items").one().bytes ?? 0;
      segments = await this.writeSegment(share, segments, all, true);
      await this.writeHead(share, segments, []);
    }
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM items");
      this.sql.exec("UPDATE share SET hydrated = 0, horizon = seq WHERE id = ?", share.id);
    });
  }

  /**
   * Loads every item back from R2 into `items` after an idle compaction (no-op when they are there). Merge
   * progressions are recomputed from the items, batch epochs read back from the entries.
   * Call only inside {@link exclusive}.
   */
  private async hydrated(share: ShareRow): Promise<ShareRow> {
    if (share.hydrated) return share;
    const snapshot = await readSnapshot(this.r2, share.id);
    this.ctx.storage.transactionSync(() => {
      for (const entry of snapshot?.entries ?? []) {
        if ("item" in entry) {
          const json = JSON.stringify(entry.item);
          const progress = progressOf(entry.item);
          this.sql.exec(
            "INSERT OR REPLACE INTO items (key, seq, bytes, body, ref, progress, epoch) VALUES (?, ?, ?, ?, NULL, ?, ?)",
            entry.key,
            entry.seq,
            encoder.encode(json).byteLength,
            json,
            progress ? JSON.stringify(progress) : null,
            entry.epoch ?? null,
          );
        } else {
          this.sql.exec(
            "INSERT OR REPLACE INTO items (key, seq, bytes, body, ref, progress, epoch) VALUES (?, ?, ?, NULL, ?, NULL, ?)",
            entry.key,
            entry.seq,
            entry.ref.bytes,
            JSON.stringify(entry.ref),
            entry.epoch ?? null,
          );
        }
      }
      this.sql.exec("UPDATE share SET hydrated = 1, horizon = 0 WHERE id = ?", share.id);
    });
    return this.share()!;
  }

  /**
   * Writes the entries with seq above the newest kept segment as one segment, first widening it to swallow the
   * newest existing segments while they are not {@link SEGMENT_GROWTH_FACTOR}× larger than what is being written
   * (and while there would be more than {@link MAX_SEGMENTS}); `all` merges every segment. Returns the new segment
   * list; the replaced ones go to garbage, deleted after {@link SEGMENT_GRACE_MS}.
   */
  private async writeSegment(
    share: ShareRow,
    segments: SegmentInfo[],
    tailBytes: number,
    all = false,
  ): Promise<SegmentInfo[]> {
    let keep = all ? 0 : segments.length;
    let bytes = tailBytes;
    while (keep > 0) {
      const previous = segments[keep - 1]!;
      if (previous.bytes > SEGMENT_GROWTH_FACTOR * bytes && keep < MAX_SEGMENTS) break;
      bytes += previous.bytes;
      keep--;
    }
    const lo = keep === 0 ? 0 : segments[keep - 1]!.hi;
    const hi = share.seq;
    const rows = this.sql
      .exec<ItemRow>("SELECT key, seq, body, ref, epoch FROM items WHERE seq > ? AND seq <= ? ORDER BY seq", lo, hi)
      .toArray()
      .map(storedEntryJson);
    const name = segmentName(lo, hi);
    const body = encoder.encode(`{"lo":${lo},"hi":${hi},"entries":[${rows.join(",")}]}`);
    await this.r2.put(sharePrefix(share.id) + name, body, {
      httpMetadata: { contentType: "application/json" },
    });
    const due = Date.now() + SEGMENT_GRACE_MS;
    for (const replaced of segments.slice(keep)) {
      if (replaced.name === name) continue;
      this.sql.exec("INSERT OR REPLACE INTO garbage (name, due) VALUES (?, ?)", replaced.name, due);
    }
    return [...segments.slice(0, keep), { name, lo, hi, bytes: body.byteLength }];
  }
}

/** Sends `message`, ignoring a socket that is closing under us (a viewer reconnects with `since` and catches up). */
function trySend(ws: WebSocket, message: string): void {
  try {
    ws.send(message);
  } catch {
    // Closing: nothing to do.
  }
}

/**
 * The legacy `/share_poll` messages for stored rows: one `{key, content}` per session, message and part, with the
 * legacy keys `session/info/<sid>`, `session/message/<sid>/<mid>`, `session/part/<sid>/<mid>/<pid>` (protocol
 * reference §2). Items stored by reference and item types the legacy protocol has no key for are not sent.
 */
function legacyMessages(sessionID: string, rows: Pick<ItemRow, "key" | "body">[]): string[] {
  const messages: string[] = [];
  for (const row of rows) {
    if (row.body === null) continue;
    const [type, first, second] = row.key.split("/");
    const key =
      type === "session"
        ? `session/info/${sessionID}`
        : type === "message"
          ? `session/message/${sessionID}/${first}`
          : type === "part"
            ? `session/part/${sessionID}/${first}/${second}`
            : undefined;
    if (!key) continue;
    const content = (JSON.parse(row.body) as Item).data;
    messages.push(JSON.stringify({ key, content }));
  }
  return messages;
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
