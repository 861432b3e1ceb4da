/**
 * The ShareRoom's SQLite schema, versioned: {@link SCHEMA_VERSION} and an ordered list of {@link MIGRATIONS}.
 * A room written by an older version is brought up to date when it wakes ({@link migrate}); a new share runs the
 * same path from version 0, so every migration is exercised on every create. Tables are described in
 * docs/storage.md.
 */

/** The schema version this code writes. */
export const SCHEMA_VERSION = 2;

/**
 * Migration `i` takes a room from version `i` to `i + 1`. Version 1 is the schema of the first release (no version
 * table; detected by its `share` table).
 */
const MIGRATIONS: readonly string[] = [
  // 0 → 1: the first release's tables, exactly as it created them.
  `CREATE TABLE IF NOT EXISTS share (
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
   CREATE TABLE IF NOT EXISTS stats (name TEXT PRIMARY KEY, value INTEGER NOT NULL);`,
  // 1 → 2: tombstones and blob hashes on items; large items and inbox batches held in chunks until R2 takes them;
  // replaced blobs collected after the head stops naming them; duty retries with backoff.
  `ALTER TABLE items ADD COLUMN hash TEXT;
   ALTER TABLE items ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
   UPDATE items SET hash = json_extract(ref, '$.hash') WHERE ref IS NOT NULL;
   ALTER TABLE share ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE chunks (owner TEXT NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (owner, idx));
   CREATE TABLE pending_blobs (hash TEXT PRIMARY KEY, bytes INTEGER NOT NULL);
   CREATE TABLE blob_garbage (hash TEXT PRIMARY KEY, after_seq INTEGER NOT NULL);
   CREATE TABLE inbox (n INTEGER PRIMARY KEY AUTOINCREMENT, bytes INTEGER NOT NULL, received_at INTEGER NOT NULL);
   CREATE TABLE retries (duty TEXT PRIMARY KEY, attempts INTEGER NOT NULL, at INTEGER NOT NULL);
   CREATE TABLE schema_version (version INTEGER NOT NULL);`,
];

/** The version of the tables in `sql`: 0 for an object that holds no share. */
export function schemaVersion(sql: SqlStorage): number {
  const tables = new Set(
    sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('share', 'schema_version')",
      )
      .toArray()
      .map((row) => row.name),
  );
  if (tables.has("schema_version"))
    return sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version;
  return tables.has("share") ? 1 : 0;
}

/**
 * Applies every migration after the current version, in order, inside `transaction` (the Durable Object's
 * `transactionSync`, so a migration is all or nothing). Idempotent: at {@link SCHEMA_VERSION} it does nothing.
 */
export function migrate(sql: SqlStorage, transaction: (run: () => void) => void): void {
  const from = schemaVersion(sql);
  if (from >= SCHEMA_VERSION) return;
  transaction(() => {
    for (let version = from; version < SCHEMA_VERSION; version++) sql.exec(MIGRATIONS[version]!);
    sql.exec("DELETE FROM schema_version");
    sql.exec("INSERT INTO schema_version (version) VALUES (?)", SCHEMA_VERSION);
  });
}

/** The first release's DDL, for the migration test: a room exactly as that code left it. */
export const VERSION_1_DDL = MIGRATIONS[0]!;
