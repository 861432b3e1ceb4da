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
import { constantTimeEqual, sha256Hex } from "./secrets";
import {
  blobKey,
  FLUSH_DELAY_MS,
  HEAD_VERSION,
  headKey,
  MAX_SEGMENTS,
  SEGMENT_GRACE_MS,
  SEGMENT_GROWTH_FACTOR,
  type SegmentInfo,
  segmentName,
  sharePrefix,
  TAIL_INLINE_MAX_BYTES,
} from "./storage/layout";

/** What an RPC method of the room answers: a value, or an error code for the worker to turn into a response. */
export type RoomResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message?: string };

/** `create` arguments. `secretHash` is the SHA-256 hex of the share secret; `now` is Unix ms. */
export interface CreateArgs {
  shareId: string;
  secretHash: string;
  sessionID: string;
  now: number;
}

interface ShareRow {
  id: string;
  secret_hash: string;
  session_id: string;
  created_at: number;
  updated_at: number;
  seq: number;
  bytes: number;
  flushed_seq: number;
  segments: string;
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
  ref?: BlobRef;
}

const encoder = new TextEncoder();

/** Serializes one stored row as an {@link Entry}'s JSON without re-parsing the stored item text. */
function entryJson(row: Pick<ItemRow, "key" | "seq" | "body" | "ref">): string {
  const head = `{"key":${JSON.stringify(row.key)},"seq":${row.seq},`;
  return row.body !== null ? `${head}"item":${row.body}}` : `${head}"ref":${row.ref}}`;
}

/**
 * Packs entries (in seq order) into `changes` messages of at most about `MAX_LIVE_MESSAGE_BYTES` each; an entry
 * larger than that travels alone. Accepts stored rows or already serialized entries.
 */
function changeMessages(
  entries: Iterable<Pick<ItemRow, "key" | "seq" | "body" | "ref" | "bytes"> | { json: string; bytes: number }>,
): string[] {
  const messages: string[] = [];
  let batch: string[] = [];
  let batchBytes = 0;
  const close = () => {
    if (batch.length > 0) messages.push(`{"type":"changes","changes":[${batch.join(",")}]}`);
    batch = [];
    batchBytes = 0;
  };
  for (const entry of entries) {
    const json = "json" in entry ? entry.json : entryJson(entry);
    const bytes = "json" in entry ? entry.bytes : entry.body === null ? 256 : entry.bytes;
    if (batch.length > 0 && batchBytes + bytes > MAX_LIVE_MESSAGE_BYTES) close();
    batch.push(json);
    batchBytes += bytes;
  }
  close();
  return messages;
}

export class ShareRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Tail of the queue that runs syncs, flushes and deletion one at a time, in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createTables();
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** Idempotent DDL: runs on every wake (so it stays cheap) and again after a deletion emptied the storage. */
  private createTables(): void {
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS share (
        id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL, session_id TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, seq INTEGER NOT NULL,
        bytes INTEGER NOT NULL, flushed_seq INTEGER NOT NULL, segments TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS items (
        key TEXT PRIMARY KEY, seq INTEGER NOT NULL, bytes INTEGER NOT NULL,
        body TEXT, ref TEXT, progress TEXT, epoch INTEGER
      );
      CREATE INDEX IF NOT EXISTS items_by_seq ON items (seq);
      CREATE TABLE IF NOT EXISTS garbage (name TEXT PRIMARY KEY, due INTEGER NOT NULL);
    `);
  }

  /** Runs `task` after every earlier queued task has finished, so writes never interleave across awaits. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private share(): ShareRow | undefined {
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
      this.sql.exec(
        "INSERT INTO share (id, secret_hash, session_id, created_at, updated_at, seq, bytes, flushed_seq, segments) VALUES (?, ?, ?, ?, ?, 0, 0, 0, '[]')",
        args.shareId,
        args.secretHash,
        args.sessionID,
        args.now,
        args.now,
      );
      await this.flush();
      return { ok: true, value: { seq: 0 } };
    });
  }

  /**
   * Applies one sync batch. Items are checked one by one: refused ones are listed, the rest are stored.
   * Errors: `share_not_found`, `invalid_secret`, `share_too_large` (nothing of the batch is stored).
   */
  async sync(secret: string, data: unknown[]): Promise<RoomResult<SyncResponse>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (!(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };

      const refused: RefusedItem[] = [];
      // Last item for a key wins within the batch (the CLI's rule); Map keeps first-insertion order.
      const batch = new Map<string, PendingChange>();
      data.forEach((raw, index) => {
        const checked = checkItem(raw);
        if (!checked.ok) {
          refused.push({ index, code: checked.code, message: checked.message });
          return;
        }
        const json = JSON.stringify(checked.item);
        const bytes = encoder.encode(json).byteLength;
        if (bytes > MAX_ITEM_BYTES) {
          refused.push({
            index,
            code: "item_too_large",
            message: `item is ${bytes} bytes; the limit is ${MAX_ITEM_BYTES}`,
          });
          return;
        }
        batch.delete(checked.key);
        batch.set(checked.key, { key: checked.key, json, bytes, item: checked.item });
      });

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
          if (stored.body === change.json) {
            unchanged++;
            continue;
          }
          const version = {
            progress: stored.progress === null ? undefined : (JSON.parse(stored.progress) as Progress),
            epoch: stored.epoch ?? undefined,
          };
          if (!supersedes(version, change.item, epoch)) {
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
        const hash = await sha256Hex(change.json);
        await this.env.SHARES.put(blobKey(share.id, hash), change.json, {
          httpMetadata: { contentType: "application/json" },
        });
        const data = change.item.data as { type?: unknown } | undefined;
        const type =
          change.item.type === "part" && typeof data?.type === "string" ? `part:${data.type}` : change.item.type;
        change.ref = { hash, bytes: change.bytes, type };
      }

      const entries: Entry[] = [];
      let seq = share.seq;
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        for (const change of changes) {
          seq++;
          const progress = progressOf(change.item);
          this.sql.exec(
            "INSERT INTO items (key, seq, bytes, body, ref, progress, epoch) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, body = excluded.body, ref = excluded.ref, progress = excluded.progress, epoch = excluded.epoch",
            change.key,
            seq,
            change.bytes,
            change.ref ? null : change.json,
            change.ref ? JSON.stringify(change.ref) : null,
            progress ? JSON.stringify(progress) : null,
            epoch ?? null,
          );
          entries.push(
            change.ref ? { key: change.key, seq, ref: change.ref } : { key: change.key, seq, item: change.item },
          );
        }
        if (changes.length > 0) {
          this.sql.exec("UPDATE share SET seq = ?, bytes = ?, updated_at = ? WHERE id = ?", seq, bytes, now, share.id);
        }
      });

      if (entries.length > 0) {
        this.broadcast(entries);
        await this.scheduleFlush();
      }
      return { ok: true, value: { ok: true, seq, accepted: changes.length, unchanged, refused } };
    });
  }

  /**
   * Deletes the share: every R2 object under its prefix, all of this object's storage and its alarm; viewers get
   * `deleted` and a {@link CLOSE_SHARE_DELETED} close. Errors: `share_not_found`, `invalid_secret`.
   */
  async remove(secret: string): Promise<RoomResult<null>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (!(await this.checkSecret(share, secret))) return { ok: false, code: "invalid_secret" };
      await this.deleteEverything(share.id);
      return { ok: true, value: null };
    });
  }

  private async deleteEverything(id: string): Promise<void> {
    // R2 first: if it fails, the share still exists and the owner can retry.
    let cursor: string | undefined;
    do {
      const listing = await this.env.SHARES.list({ prefix: sharePrefix(id), cursor });
      if (listing.objects.length > 0) await this.env.SHARES.delete(listing.objects.map((object) => object.key));
      cursor = listing.truncated ? listing.cursor : undefined;
    } while (cursor);
    const deleted: ServerMessage = { type: "deleted" };
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(JSON.stringify(deleted));
        ws.close(CLOSE_SHARE_DELETED, "share deleted");
      } catch {
        // Already closing: nothing to tell it.
      }
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.createTables();
  }

  /**
   * Brings R2 up to date with everything accepted so far (no-op when it already is), for one-shot readers such
   * as `GET /data` that cannot catch up over a WebSocket. Errors: `share_not_found`.
   */
  async flushNow(): Promise<RoomResult<{ seq: number }>> {
    return this.exclusive(async () => {
      const share = this.share();
      if (!share) return { ok: false, code: "share_not_found" };
      if (share.flushed_seq < share.seq) await this.flush();
      return { ok: true, value: { seq: share.seq } };
    });
  }

  /**
   * Viewer WebSocket upgrade (`/ws/:id?since=<seq>`, validated by the worker). Sends the changes after `since`
   * (or `reset`), then `ready`, then every accepted change live. Answers 404 JSON for an unknown share.
   */
  override async fetch(request: Request): Promise<Response> {
    const share = this.share();
    if (!share) {
      return Response.json({ error: { code: "share_not_found", message: "No share has this id." } }, { status: 404 });
    }
    const since = Number(new URL(request.url).searchParams.get("since") ?? "0");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    // From here to the end no await: no sync can slip in between the catch-up query and live broadcasts.
    for (const message of this.catchUp(share.seq, since)) server.send(message);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The messages that bring a viewer at `since` up to `seq`: changes (split by size) and `ready`, or `reset`. */
  private catchUp(seq: number, since: number): string[] {
    const message = (value: ServerMessage) => JSON.stringify(value);
    if (since > seq) return [message({ type: "reset", seq, reason: "ahead_of_share" })];
    const total = this.sql
      .exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM items WHERE seq > ?", since)
      .one();
    if ((total.bytes ?? 0) > MAX_CATCH_UP_BYTES) return [message({ type: "reset", seq, reason: "too_far_behind" })];
    const rows = this.sql.exec<ItemRow>(
      "SELECT key, seq, bytes, body, ref FROM items WHERE seq > ? ORDER BY seq",
      since,
    );
    return [...changeMessages(rows), message({ type: "ready", seq })];
  }

  private broadcast(entries: Entry[]): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const messages = changeMessages(
      entries.map((entry) => {
        const json = JSON.stringify(entry);
        return { json, bytes: json.length };
      }),
    );
    for (const ws of sockets) {
      for (const message of messages) {
        try {
          ws.send(message);
        } catch {
          // A socket closing under us: it will reconnect with `since` and catch up.
        }
      }
    }
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

  private async scheduleFlush(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
    }
  }

  override async alarm(): Promise<void> {
    await this.exclusive(() => this.flush());
  }

  /**
   * Writes what changed since the last flush to R2: the head with the tail inline while the tail is small, else a
   * new segment (merged with its predecessors per the size-tiered rule) and a head with an empty tail. Also
   * deletes replaced segments whose grace period is over, and re-arms the alarm while any are pending.
   */
  private async flush(): Promise<void> {
    const share = this.share();
    if (!share) return;
    const bucket = this.env.SHARES;
    const prefix = sharePrefix(share.id);
    let segments = JSON.parse(share.segments) as SegmentInfo[];
    const lastHi = segments.at(-1)?.hi ?? 0;

    if (share.flushed_seq < share.seq || share.flushed_seq === 0) {
      const tailBytes =
        this.sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM items WHERE seq > ?", lastHi).one()
          .bytes ?? 0;
      let tail: string[] = [];
      if (tailBytes > TAIL_INLINE_MAX_BYTES) {
        segments = await this.writeSegment(share, segments, tailBytes);
      } else {
        tail = this.sql
          .exec<ItemRow>("SELECT key, seq, body, ref FROM items WHERE seq > ? ORDER BY seq", lastHi)
          .toArray()
          .map(entryJson);
      }
      const head = `{"version":${HEAD_VERSION},"id":${JSON.stringify(share.id)},"createdAt":${share.created_at},"updatedAt":${share.updated_at},"seq":${share.seq},"segments":${JSON.stringify(segments)},"tail":[${tail.join(",")}]}`;
      await bucket.put(headKey(share.id), head, { httpMetadata: { contentType: "application/json" } });
      this.sql.exec(
        "UPDATE share SET flushed_seq = ?, segments = ? WHERE id = ?",
        share.seq,
        JSON.stringify(segments),
        share.id,
      );
    }

    const now = Date.now();
    const due = this.sql.exec<{ name: string }>("SELECT name FROM garbage WHERE due <= ?", now).toArray();
    if (due.length > 0) {
      await bucket.delete(due.map((row) => prefix + row.name));
      for (const row of due) this.sql.exec("DELETE FROM garbage WHERE name = ?", row.name);
    }
    const next = this.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM garbage").one().due;
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, now + FLUSH_DELAY_MS));
  }

  /**
   * Writes the entries with seq in (lastHi, share.seq] as a segment, first widening it to swallow the newest
   * existing segments while they are not {@link SEGMENT_GROWTH_FACTOR}× larger than what is being written (and
   * while there would be more than {@link MAX_SEGMENTS}). Returns the new segment list; replaced ones go to garbage.
   */
  private async writeSegment(share: ShareRow, segments: SegmentInfo[], tailBytes: number): Promise<SegmentInfo[]> {
    let keep = segments.length;
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
      .exec<ItemRow>("SELECT key, seq, body, ref FROM items WHERE seq > ? AND seq <= ? ORDER BY seq", lo, hi)
      .toArray()
      .map(entryJson);
    const name = segmentName(lo, hi);
    const body = encoder.encode(`{"lo":${lo},"hi":${hi},"entries":[${rows.join(",")}]}`);
    await this.env.SHARES.put(sharePrefix(share.id) + name, body, {
      httpMetadata: { contentType: "application/json" },
    });
    const due = Date.now() + SEGMENT_GRACE_MS;
    for (const replaced of segments.slice(keep)) {
      this.sql.exec("INSERT OR REPLACE INTO garbage (name, due) VALUES (?, ?)", replaced.name, due);
    }
    const written: SegmentInfo = { name, lo, hi, bytes: body.byteLength };
    return [...segments.slice(0, keep), written];
  }
}
