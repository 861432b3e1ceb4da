/**
 * The room's SQLite rows and the queries over them that more than one module needs: the share row, item rows,
 * and chunked values (large items and inbox batches, split under the 2 MB row limit).
 */

/** The one row of `share`. Times are Unix ms; `segments` is the JSON of the R2 segment list the head names. */
export interface ShareRow {
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
  /** Last time (Unix ms) a sync loaded the rows back; the idle compaction waits for this too. */
  active_at: number;
  [key: string]: SqlStorageValue;
}

/**
 * One row of `items`: the latest change of a key. Exactly one of `body` (item JSON), `ref` (blob reference JSON,
 * with its `hash`) or `removed = 1` (a tombstone) describes it. `bytes` is the item JSON's UTF-8 size (0 for a
 * tombstone); `progress` and `epoch` feed the merge rule.
 */
export interface ItemRow {
  key: string;
  seq: number;
  bytes: number;
  body: string | null;
  ref: string | null;
  hash: string | null;
  progress: string | null;
  epoch: number | null;
  removed: number;
  [key: string]: SqlStorageValue;
}

/** Bytes per chunk row: well under the 2 MB row limit of Durable Object SQLite. */
export const CHUNK_BYTES = 1024 * 1024;

/** The share row, or `undefined` when the object holds no share. */
export function shareRow(sql: SqlStorage): ShareRow | undefined {
  return sql.exec<ShareRow>("SELECT * FROM share LIMIT 1").toArray()[0];
}

/** Stores `bytes` under `owner` as rows of at most {@link CHUNK_BYTES}. Call inside a transaction. */
export function putChunks(sql: SqlStorage, owner: string, bytes: Uint8Array): void {
  sql.exec("DELETE FROM chunks WHERE owner = ?", owner);
  for (let idx = 0, offset = 0; offset < bytes.byteLength || idx === 0; idx++, offset += CHUNK_BYTES) {
    sql.exec(
      "INSERT INTO chunks (owner, idx, data) VALUES (?, ?, ?)",
      owner,
      idx,
      bytes.subarray(offset, offset + CHUNK_BYTES),
    );
  }
}

/** The bytes stored under `owner`, or `null` when there are none. */
export function getChunks(sql: SqlStorage, owner: string): Uint8Array | null {
  const rows = sql.exec<{ data: ArrayBuffer }>("SELECT data FROM chunks WHERE owner = ? ORDER BY idx", owner).toArray();
  if (rows.length === 0) return null;
  const size = rows.reduce((sum, row) => sum + row.data.byteLength, 0);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const row of rows) {
    bytes.set(new Uint8Array(row.data), offset);
    offset += row.data.byteLength;
  }
  return bytes;
}

/** Drops the chunks of `owner`. */
export function dropChunks(sql: SqlStorage, owner: string): void {
  sql.exec("DELETE FROM chunks WHERE owner = ?", owner);
}

/** What a row weighs in the head's tail and in a segment: its JSON, or its reference for a blob. */
export const ENTRY_BYTES_SQL = "CASE WHEN removed = 1 THEN 64 WHEN body IS NULL THEN length(ref) + 64 ELSE bytes END";

/** A new version of an item row, as {@link upsertItems} writes it (`removed` is 0). */
export type ItemWrite = Pick<ItemRow, "key" | "seq" | "bytes" | "body" | "ref" | "hash" | "progress" | "epoch">;

/**
 * Rows per statement of {@link upsertItems}: 2 values each (the row's small columns as one JSON array, and its body),
 * under the 100 bound parameters Durable Object SQLite allows per query
 * (https://developers.cloudflare.com/durable-objects/platform/limits/). In workerd each bound value costs about as
 * much as SQLite's work on a small row, so 8 values per row made the binding most of a 5 MB batch's write; the small
 * columns are read back out of their JSON with `->>`, which costs less. The body stays a value of its own: inside a
 * JSON text it would be escaped, copied and parsed again (measured in workerd on the bench's 5 MB batches,
 * docs/performance.md).
 */
export const UPSERT_ROWS = 50;

const ON_CONFLICT = ` ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, body = excluded.body,
  ref = excluded.ref, hash = excluded.hash, progress = excluded.progress, epoch = excluded.epoch, removed = 0`;

/** The upsert of `rows` rows, by row count: a full statement's text is the same every time, so it is prepared once. */
const upserts: string[] = [];

function upsertOf(rows: number): string {
  // `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join constraint of the SELECT (its upsert docs).
  upserts[rows] ??= `INSERT INTO items (key, seq, bytes, body, ref, hash, progress, epoch, removed)
    SELECT column1 ->> 0, column1 ->> 1, column1 ->> 2, column2, column1 ->> 3, column1 ->> 4, column1 ->> 5,
      column1 ->> 6, 0
    FROM (VALUES ${Array.from({ length: rows }, () => "(?, ?)").join(", ")}) WHERE true${ON_CONFLICT}`;
  return upserts[rows];
}

/**
 * Writes `rows` (each replacing its key's row, tombstone or not; keys distinct), {@link UPSERT_ROWS} per statement,
 * since a statement's fixed cost is most of a small row's. Call inside a transaction.
 */
export function upsertItems(sql: SqlStorage, rows: readonly ItemWrite[]): void {
  for (let start = 0; start < rows.length; start += UPSERT_ROWS) {
    const end = Math.min(rows.length, start + UPSERT_ROWS);
    const values: SqlStorageValue[] = [];
    for (let index = start; index < end; index++) {
      const row = rows[index]!;
      values.push(JSON.stringify([row.key, row.seq, row.bytes, row.ref, row.hash, row.progress, row.epoch]), row.body);
    }
    sql.exec(upsertOf(end - start), ...values);
  }
}
