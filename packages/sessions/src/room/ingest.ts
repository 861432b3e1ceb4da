/**
 * Ingest: a checked sync batch merged into the room's rows — planned against the stored versions, redacted where it
 * changes state, written in one transaction, broadcast — or, while the share cannot be loaded back from R2, kept in
 * the inbox and merged later in arrival order (docs/storage.md, invariant 3).
 */
import {
  checkItem,
  INLINE_ITEM_MAX_BYTES,
  type Item,
  MAX_ITEM_BYTES,
  MAX_SHARE_BYTES,
  type RefusedItem,
  type SyncResponse,
} from "@shareroom/shared";
import { batchEpoch, type Progress, progressOf } from "../merge";
import { redactEntries } from "../redact";
import { sha256Hex } from "../secrets";
import { FLUSH_DELAY_MS } from "../storage/layout";
import { STORAGE_RETRY_AFTER_S } from "../storage/read";
import { putBlob } from "../storage/write";
import type { RoomContext, RoomResult } from "./context";
import { hydrate } from "./hydrate";
import { type BodyText, countKeys } from "./item-text";
import type { SentRow } from "./live";
import {
  type Incoming,
  lastPerKey,
  plan,
  prefixRange,
  removalTargets,
  type StoredVersion,
  withoutRemoved,
} from "./planner";
import { broadcast } from "./sockets";
import { mark } from "./spans";
import {
  dropChunks,
  getChunks,
  type ItemRow,
  type ItemWrite,
  putChunks,
  type ShareRow,
  shareRow,
  upsertItems,
} from "./store";

/** A checked batch: its items (each as JSON text once), the refused ones, and the keys it removes. */
export interface Batch {
  items: Incoming[];
  refused: RefusedItem[];
  removed: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Loads the rows back if compacted and merges every inbox batch, oldest first, each atomically with its
 * removal from the inbox. Returns the share row as it stands after; `share` is the row as the caller just read it
 * (a sync, which then needs no second read when there was nothing to do). Throws on an R2 failure (the rest stays
 * in the inbox).
 */
export async function drainInbox(room: RoomContext, share = shareRow(room.sql)!): Promise<ShareRow> {
  let changed = false;
  if (!share.hydrated) {
    await hydrate(room.r2, room.sql, room.transaction, share);
    room.sql.exec("UPDATE share SET active_at = ? WHERE id = ?", Date.now(), share.id);
    changed = true;
  }
  for (;;) {
    const next = room.sql.exec<{ n: number }>("SELECT n FROM inbox ORDER BY n LIMIT 1").toArray()[0];
    if (!next) return changed ? shareRow(room.sql)! : share;
    changed = true;
    const owner = `inbox:${next.n}`;
    const text = decoder.decode(getChunks(room.sql, owner) ?? new Uint8Array());
    const stored = JSON.parse(text || '{"data":[],"removed":[]}') as { data: unknown[]; removed: string[] };
    const done = () => {
      dropChunks(room.sql, owner);
      room.sql.exec("DELETE FROM inbox WHERE n = ?", next.n);
    };
    const result = await apply(room, checkBatch(stored.data, stored.removed), shareRow(room.sql)!, done);
    if (!result.ok) {
      // Unreachable while the inbox admits only batches that fit (toInbox); never let one block the rest.
      console.error(`share ${share.id}: inbox batch ${next.n} refused at merge: ${result.code}`);
      room.transaction(done);
    }
  }
}

/** Keeps a batch that cannot be merged now (R2 failing) in the inbox, durably, and answers it. */
export async function toInbox(
  room: RoomContext,
  share: ShareRow,
  batch: Batch,
  cause: unknown,
): Promise<RoomResult<SyncResponse>> {
  const text = JSON.stringify({ data: batch.items.map((item) => item.item), removed: batch.removed });
  const bytes = batch.items.reduce((sum, item) => sum + item.bytes, 0);
  const waiting = room.sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM inbox").one().bytes ?? 0;
  if (share.bytes + waiting + bytes > MAX_SHARE_BYTES) {
    // The cause names R2 objects: it goes to the log, the client gets the fixed text of the code.
    console.error(`share ${share.id}: sync refused, rows cannot be loaded back: ${String(cause)}`);
    return { ok: false, code: "storage_unavailable", retryAfter: STORAGE_RETRY_AFTER_S };
  }
  room.transaction(() => {
    room.sql.exec("INSERT INTO inbox (bytes, received_at) VALUES (?, ?)", bytes, Date.now());
    const n = room.sql.exec<{ n: number }>("SELECT last_insert_rowid() AS n").one().n;
    putChunks(room.sql, `inbox:${n}`, encoder.encode(text));
  });
  room.count("syncs", 1);
  room.count("rowsWritten", 2);
  await room.schedule();
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
 * Merges a checked batch into the rows (which must be loaded; `share` is the share row as it stands): plans it
 * against the stored versions (read in one statement), redacts the changed items only, writes at most one row per
 * change and per removed key in one transaction (with `alsoInTransaction`), broadcasts, and arms the flush.
 */
export async function apply(
  room: RoomContext,
  batch: Batch,
  share: ShareRow,
  alsoInTransaction?: () => void,
): Promise<RoomResult<SyncResponse>> {
  const items = withoutRemoved(lastPerKey(batch.items), batch.removed);
  for (const item of items) if (item.bytes > INLINE_ITEM_MAX_BYTES) item.hash = await sha256Hex(item.json);
  mark("hash blobs");
  const stored = storedVersions(
    room,
    items.map((item) => item.key),
  );
  mark("read stored versions");
  const epoch = batchEpoch(items.map((item) => item.item));
  let planned = plan(items, stored, epoch, share.bytes);
  mark("plan");
  let unchanged = planned.unchanged;
  let redacted = 0;
  if (room.redact && planned.changes.length > 0) {
    const sent = planned.changes.map((change) => change.item);
    const report = await redactEntries(planned.changes);
    redacted = report.redacted;
    if (redacted > 0 || report.capped > 0) {
      // Only an item redaction replaced needs its text again; the others keep the text they were checked with.
      for (const [index, change] of planned.changes.entries()) {
        if (change.item !== sent[index]) await reserialize(change);
      }
      planned = plan(planned.changes, stored, epoch, share.bytes);
      unchanged += planned.unchanged;
    }
  }
  mark("redact");
  const removals = removalRows(room, batch.removed);
  const bytes = planned.bytes - removals.reduce((sum, row) => sum + row.bytes, 0);
  if (bytes > MAX_SHARE_BYTES) {
    return {
      ok: false,
      code: "share_too_large",
      message: `the share would hold ${bytes} bytes; the limit is ${MAX_SHARE_BYTES}`,
    };
  }

  mark("removals");
  // Large items go to R2 before anything points at them; one that fails waits in SQLite for the flush duty.
  const heldBack = new Set<string>();
  for (const change of planned.changes) {
    if (change.hash === undefined) continue;
    try {
      await putBlob(room.r2, share.id, change.hash, change.json);
    } catch {
      heldBack.add(change.hash);
    }
  }

  mark("put blobs");
  const sent: SentRow[] = [];
  let seq = share.seq;
  const now = Date.now();
  const session = planned.changes.find((change) => change.item.type === "session");
  const title = session ? titleOf(session.item) : share.title;
  const writes: ItemWrite[] = [];
  room.transaction(() => {
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
      writes.push({
        ...row,
        hash: change.hash ?? null,
        progress: progress ? JSON.stringify(progress) : null,
        epoch: epoch ?? null,
      });
      if (change.hash) {
        room.sql.exec("DELETE FROM blob_garbage WHERE hash = ?", change.hash);
        room.sql.exec("DELETE FROM garbage WHERE name = ?", `blobs/${change.hash}.json`);
        if (heldBack.has(change.hash)) {
          putChunks(room.sql, `blob:${change.hash}`, encoder.encode(change.json));
          room.sql.exec("INSERT OR REPLACE INTO pending_blobs (hash, bytes) VALUES (?, ?)", change.hash, change.bytes);
        }
      }
      if (previous?.hash && previous.hash !== change.hash) collectBlob(room, previous.hash, seq);
      sent.push(row);
    }
    upsertItems(room.sql, writes);
    for (const removal of removals) {
      seq++;
      room.sql.exec(
        `UPDATE items SET seq = ?, bytes = 0, body = NULL, ref = NULL, hash = NULL, progress = NULL, epoch = NULL,
         removed = 1 WHERE key = ?`,
        seq,
        removal.key,
      );
      if (removal.hash) collectBlob(room, removal.hash, seq);
      sent.push({ key: removal.key, seq, bytes: 0, body: null, ref: null, removed: 1 });
    }
    if (sent.length > 0) {
      room.sql.exec(
        "UPDATE share SET seq = ?, bytes = ?, updated_at = ?, title = ? WHERE id = ?",
        seq,
        bytes,
        now,
        title,
        share.id,
      );
    }
    alsoInTransaction?.();
    room.count("syncs", 1);
    if (sent.length > 0) room.count("rowsWritten", sent.length);
    // The counters commit with the rows: the broadcast and the answer wait for one commit, not a second one after.
    room.saveStats();
  });
  mark("transaction");

  if (sent.length > 0) {
    broadcast(room.state, sent, share.session_id);
    mark("broadcast");
    await room.alarmNoLaterThan(now + FLUSH_DELAY_MS);
    mark("arm alarm");
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
export function storedVersions(room: RoomContext, keys: string[]): Map<string, StoredVersion> {
  const stored = new Map<string, StoredVersion>();
  if (keys.length === 0) return stored;
  const rows = room.sql.exec<Pick<ItemRow, "key" | "bytes" | "body" | "hash" | "progress" | "epoch" | "removed">>(
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

/**
 * The stored rows a `removed` list deletes (message keys expanded to their parts), in seq order. The batch's own
 * items for these keys are dropped before planning (`withoutRemoved`), so none of them is a change. Each message's
 * parts are one range search on the primary key, so the cost grows with the rows removed, not rows × messages.
 */
export function removalRows(room: RoomContext, requested: string[]): Pick<ItemRow, "key" | "bytes" | "hash">[] {
  if (requested.length === 0) return [];
  const { keys, partPrefixes } = removalTargets(requested);
  return room.sql
    .exec<Pick<ItemRow, "key" | "bytes" | "hash" | "seq">>(
      `SELECT key, bytes, hash, seq FROM items WHERE removed = 0 AND key IN (SELECT value FROM json_each(?))
       UNION
       SELECT items.key, items.bytes, items.hash, items.seq FROM json_each(?) AS range CROSS JOIN items
       WHERE items.removed = 0 AND items.key >= json_extract(range.value, '$[0]')
       AND items.key < json_extract(range.value, '$[1]')
       ORDER BY seq`,
      JSON.stringify(keys),
      JSON.stringify(partPrefixes.map(prefixRange)),
    )
    .toArray();
}

/** Queues blob `hash` for deletion once a head at or after `seq` (which no longer names it) is written. */
export function collectBlob(room: RoomContext, hash: string, seq: number): void {
  room.sql.exec("INSERT OR REPLACE INTO blob_garbage (hash, after_seq) VALUES (?, ?)", hash, seq);
}

/**
 * Checks each raw item of a batch once: its key, its JSON and size, or why it is refused. With `texts` (the body
 * `data` was parsed from), an item stored as it was sent keeps its text from the body where that text means
 * exactly the parsed item (`room/item-text.ts`), and is not serialized again.
 */
export function checkBatch(data: unknown[], removed: string[], texts?: BodyText): Batch {
  const refused: RefusedItem[] = [];
  const items: Incoming[] = [];
  const objects = texts ? data.filter(isObject).length : 0;
  const places = texts && texts.items.length === objects ? texts.items : undefined;
  let object = 0;
  data.forEach((raw, index) => {
    const place = places && isObject(raw) ? places[object++] : undefined;
    const result = checkItem(raw);
    if (!result.ok) {
      refused.push({ index, code: result.code, message: result.message });
      return;
    }
    const sent = place?.compact && result.item === raw && countKeys(raw) === place.keys;
    const json = sent ? texts!.text.slice(place.start, place.end) : JSON.stringify(result.item);
    const bytes = sent && texts!.ascii ? json.length : encoder.encode(json).byteLength;
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

/** Whether a `data` element is a JSON object (what `scanSyncBody` finds the text of). */
function isObject(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw);
}

/** Serializes an item again after redaction rewrote it (its size and blob hash with it). */
async function reserialize(change: Incoming): Promise<void> {
  const json = JSON.stringify(change.item);
  change.json = json;
  change.bytes = encoder.encode(json).byteLength;
  change.hash = change.bytes > INLINE_ITEM_MAX_BYTES ? await sha256Hex(json) : undefined;
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
