/** The room's SQLite schema migrates: a room left by the first release's code wakes under this code and keeps working. */

import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate, SCHEMA_VERSION, schemaVersion, VERSION_1_DDL } from "../src/room/schema";
import { sha256Hex } from "../src/secrets";
import type { ShareRoom } from "../src/share-room";
import { headKey, IDLE_COMPACT_MS } from "../src/storage/layout";
import { storedItems, sync } from "./helpers";
import { roomOf, settle, tickAt } from "./room-helpers";

const part = (id: string, text: string) => ({ type: "part", data: { id, messageID: "msg_1", type: "text", text } });
const tool = (id: string, status: string) => ({
  type: "part",
  data: { id, messageID: "msg_1", type: "tool", tool: "bash", state: { status } },
});

/** Leaves share `id` exactly as the first release did after two flushed syncs: its tables, rows and head. */
async function firstReleaseRoom(id: string, secret: string): Promise<void> {
  const now = Date.now();
  const text = JSON.stringify(part("prt_1", "from the old code"));
  const done = JSON.stringify(tool("prt_t", "completed"));
  await runInDurableObject(roomOf(id), async (_room: ShareRoom, state) => {
    state.storage.sql.exec(VERSION_1_DDL);
    state.storage.sql.exec(
      `INSERT INTO share (id, secret_hash, session_id, title, created_at, updated_at, expires_at, seq, bytes,
        flushed_seq, segments, hydrated, horizon) VALUES (?, ?, 'ses_old', NULL, ?, ?, NULL, 2, ?, 2, '[]', 1, 0)`,
      id,
      await sha256Hex(secret),
      now,
      now,
      text.length + done.length,
    );
    state.storage.sql.exec(
      "INSERT INTO items (key, seq, bytes, body, ref, progress, epoch) VALUES (?, 1, ?, ?, NULL, NULL, NULL)",
      "part/msg_1/prt_1",
      text.length,
      text,
    );
    state.storage.sql.exec(
      "INSERT INTO items (key, seq, bytes, body, ref, progress, epoch) VALUES (?, 2, ?, ?, NULL, '[2,0]', NULL)",
      "part/msg_1/prt_t",
      done.length,
      done,
    );
  });
  const tail = `[{"key":"part/msg_1/prt_1","seq":1,"item":${text}},{"key":"part/msg_1/prt_t","seq":2,"item":${done}}]`;
  await env.SHARES.put(
    headKey(id),
    `{"version":1,"id":"${id}","createdAt":${now},"updatedAt":${now},"seq":2,"segments":[],"tail":${tail}}`,
  );
  await evictDurableObject(roomOf(id)).catch(() => undefined);
}

describe("schema migrations", () => {
  it("bring a room created by the first release up to the current version, keeping its items and merge state", async () => {
    const share = { id: "migrate0123456789abcdef", secret: "old-secret" };
    await firstReleaseRoom(share.id, share.secret);
    const version = await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) =>
      schemaVersion(state.storage.sql),
    );
    expect(version).toBe(SCHEMA_VERSION);
    const late = (await (await sync(share, [tool("prt_t", "running"), part("prt_2", "new")])).json()) as {
      accepted: number;
      unchanged: number;
    };
    expect(late).toMatchObject({ accepted: 1, unchanged: 1 });
    await settle(share.id);
    const items = await storedItems(share.id);
    expect([...items.keys()].sort()).toEqual(["part/msg_1/prt_1", "part/msg_1/prt_2", "part/msg_1/prt_t"]);
    // Compaction and rehydration work on the migrated room.
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    expect((await sync(share, [part("prt_3", "after the nap")])).status).toBe(200);
    await settle(share.id);
    expect((await storedItems(share.id)).size).toBe(4);
  });

  it("is idempotent: migrating a current room again changes nothing", async () => {
    const id = "migrate1123456789abcdef";
    await roomOf(id).create({
      shareId: id,
      secretHash: "0".repeat(64),
      sessionID: "ses_1",
      now: Date.now(),
      ttlDays: 0,
    });
    const tables = await runInDurableObject(roomOf(id), (_room: ShareRoom, state) => {
      const list = () => state.storage.sql.exec("SELECT name, sql FROM sqlite_master ORDER BY name").toArray();
      const before = JSON.stringify(list());
      migrate(state.storage.sql, (run) => state.storage.transactionSync(run));
      return { before, after: JSON.stringify(list()) };
    });
    expect(tables.after).toBe(tables.before);
  });
});
