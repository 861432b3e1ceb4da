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
 * Characters of row values per statement of {@link upsertItems}: the rows travel as one JSON text parameter,
 * which escaping can double, and a value may be at most 2 MB (Durable Object SQLite limits,
 * https://developers.cloudflare.com/durable-objects/platform/limits/). A larger row gets a statement of its own.
 */
const UPSERT_CHUNK_CHARS = 256 * 1024;

/**
 * Characters of values from which a row gets a statement of its own, its values bound as they are: SQLite reads a
 * `json_each` row's columns by parsing its JSON again for each one, unescaping the body every time, which costs more
 * than a statement once a body is a few KiB (measured with the bench's sync spans, docs/performance.md).
 */
const UPSERT_ALONE_CHARS = 2 * 1024;

const UPSERT_ONE = `INSERT INTO items (key, seq, bytes, body, ref, hash, progress, epoch, removed)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`;
// `WHERE true` keeps SQLite from reading `ON CONFLICT` as a join constraint of the SELECT.
const UPSERT_MANY = `INSERT INTO items (key, seq, bytes, body, ref, hash, progress, epoch, removed)
  SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, value ->> 7, 0
  FROM json_each(?) WHERE true`;
const ON_CONFLICT = ` ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, bytes = excluded.bytes, body = excluded.body,
  ref = excluded.ref, hash = excluded.hash, progress = excluded.progress, epoch = excluded.epoch, removed = 0`;

/**
 * Writes `rows` (each replacing its key's row, tombstone or not; keys distinct) in few statements: small rows
 * together, one statement per {@link UPSERT_CHUNK_CHARS} of values, since a statement's fixed cost is most of a small
 * row's; a row over {@link UPSERT_ALONE_CHARS} alone. Call inside a transaction.
 */
export function upsertItems(sql: SqlStorage, rows: readonly ItemWrite[]): void {
  let chunk: SqlStorageValue[][] = [];
  let chars = 0;
  const write = () => {
    if (chunk.length === 1) sql.exec(UPSERT_ONE + ON_CONFLICT, ...chunk[0]!);
    else if (chunk.length > 1) sql.exec(UPSERT_MANY + ON_CONFLICT, JSON.stringify(chunk));
    chunk = [];
    chars = 0;
  };
  for (const row of rows) {
    const values = [row.key, row.seq, row.bytes, row.body, row.ref, row.hash, row.progress, row.epoch];
    const size = (row.body?.length ?? 0) + (row.ref?.length ?? 0) + (row.progress?.length ?? 0) + row.key.length;
    if (size > UPSERT_ALONE_CHARS) {
      sql.exec(UPSERT_ONE + ON_CONFLICT, ...values);
      continue;
    }
    if (chars + size > UPSERT_CHUNK_CHARS) write();
    chunk.push(values);
    chars += size;
  }
  write();
}
