/** Idle compaction, rehydration, retention and Durable Object eviction: the share stays exact through all of them. */

import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { ShareSnapshot } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { STANDBY_MS } from "../src/room/duties";
import type { ShareRoom } from "../src/share-room";
import { FLUSH_DELAY_MS, IDLE_COMPACT_MS } from "../src/storage/layout";
import { CAPTURES, call, createShare, storedItems, sync } from "./helpers";
import { connect } from "./viewer";

const part = (id: string, text: string) => ({ type: "part", data: { id, messageID: "msg_1", type: "text", text } });
const roomOf = (id: string) => env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(id));

function rows(id: string) {
  return runInDurableObject(roomOf(id), (_room: ShareRoom, state) => {
    return state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM items").one().n;
  });
}

function tickAt(id: string, now: number) {
  return runInDurableObject(roomOf(id), (room: ShareRoom) => room.tick(now));
}

describe("idle compaction", () => {
  it("drops the room's item rows once idle, keeps every item readable, and loads them back on the next sync", async () => {
    const share = await createShare();
    const capture = CAPTURES[0]!;
    for (const batch of capture.batches) await sync(share, batch);
    const before = await storedItems(share.id);
    expect(await rows(share.id)).toBeGreaterThan(100);

    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    expect(await rows(share.id)).toBe(0);
    expect(await storedItems(share.id)).toEqual(before);

    // A viewer that was up to date stays so; one that was behind is told to reload the snapshot.
    const snapshot = (await (await call("GET", `/api/share/${share.id}/snapshot`)).json()) as ShareSnapshot;
    const current = await connect(share.id, snapshot.seq);
    expect(await current.next()).toEqual({ type: "ready", seq: snapshot.seq });
    const behind = await connect(share.id, 3);
    expect(await behind.next()).toMatchObject({ type: "reset", reason: "too_far_behind" });

    // The next sync rehydrates: the merge rule still sees the stored items (a stale running tool cannot win).
    const stale = capture.batches[1]!;
    await sync(share, stale);
    await sync(share, [part("prt_new", "after the nap")]);
    const after = await storedItems(share.id);
    expect(after.size).toBe(before.size + 1);
    for (const [key, item] of before) expect(after.get(key)).toEqual(item);
    const caughtUp = await connect(share.id, snapshot.seq);
    const { entries } = await caughtUp.until("ready");
    expect(entries.map((entry) => entry.key)).toEqual(["part/msg_1/prt_new"]);
  });

  it("leaves no alarm behind on an idle, compacted share", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "x")]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    const alarm = await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => state.storage.getAlarm());
    expect(alarm).toBeNull();
  });
});

describe("the flush alarm", () => {
  const alarmOf = (id: string) => runInDurableObject(roomOf(id), (_room: ShareRoom, state) => state.storage.getAlarm());

  it("stays a flush delay ahead while syncs come, so the next sync arms none, and waits for the compaction after", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "x")]);
    expect(await runDurableObjectAlarm(roomOf(share.id))).toBe(true);
    const standby = await alarmOf(share.id);
    expect(standby).not.toBeNull();
    expect(standby!).toBeLessThanOrEqual(Date.now() + FLUSH_DELAY_MS);
    await sync(share, [part("prt_2", "y")]);
    expect(await alarmOf(share.id)).toBe(standby);

    // No sync for longer than the standby: the alarm that flushes prt_2 is the last one before the compaction's.
    await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      state.storage.sql.exec(`UPDATE share SET updated_at = updated_at - ${STANDBY_MS + 1}, active_at = updated_at`);
    });
    expect(await runDurableObjectAlarm(roomOf(share.id))).toBe(true);
    expect(await alarmOf(share.id)).toBeGreaterThan(Date.now() + STANDBY_MS + FLUSH_DELAY_MS);
    expect((await storedItems(share.id)).get("part/msg_1/prt_2")).toEqual(part("prt_2", "y"));
  });
});

describe("unknown share ids", () => {
  it("leave no Durable Object storage behind when probed by reads, sockets, syncs and deletes", async () => {
    const id = "probe0123456789abcdefg";
    await call("GET", `/api/share/${id}/data`);
    await call("POST", `/api/share/${id}/sync`, { secret: "s", data: [] });
    await call("DELETE", `/api/share/${id}`, { secret: "s" });
    const viewer = await connect(id);
    expect(await viewer.closed).toBe(4404);
    const tables = await runInDurableObject(
      roomOf(id),
      (_room: ShareRoom, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one().n,
    );
    expect(tables).toBe(0);
  });

  it("a deleted share leaves no storage either", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "x")]);
    await call("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    await call("GET", `/api/share/${share.id}/data`);
    const tables = await runInDurableObject(
      roomOf(share.id),
      (_room: ShareRoom, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM sqlite_master").one().n,
    );
    expect(tables).toBe(0);
  });
});

describe("retention", () => {
  it("deletes a share by itself SHARE_TTL_DAYS after its creation, and not before", async () => {
    const id = "ttlShare0123456789abcd";
    const now = Date.now();
    const stub = roomOf(id);
    await stub.create({ shareId: id, secretHash: "0".repeat(64), sessionID: "ses_ttl", now, ttlDays: 2 });
    const alarm = await runInDurableObject(stub, (_room: ShareRoom, state) => state.storage.getAlarm());
    expect(alarm).toBe(now + 2 * 86_400_000);
    await tickAt(id, now + 86_400_000);
    expect((await call("GET", `/api/share/${id}/data`)).status).toBe(200);
    await tickAt(id, now + 2 * 86_400_000);
    expect((await call("GET", `/api/share/${id}/data`)).status).toBe(404);
    expect((await env.SHARES.list({ prefix: `shares/${id}/` })).objects).toEqual([]);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});

describe("Durable Object eviction", () => {
  it("loses nothing when the room is evicted between and during syncs", async () => {
    const capture = CAPTURES[1]!;
    const share = await createShare();
    const viewer = await connect(share.id);
    await viewer.until("ready");
    // An eviction rejects when the room is not running at that moment; count the ones that happened.
    let evictions = 0;
    const evict = () =>
      evictDurableObject(roomOf(share.id)).then(
        () => evictions++,
        () => undefined,
      );
    for (const [index, batch] of capture.batches.entries()) {
      const pending = sync(share, batch);
      if (index % 2 === 0) await evict();
      expect((await pending).status).toBe(200);
      if (index % 3 === 0) await evict();
    }
    expect(evictions).toBeGreaterThanOrEqual(capture.batches.length / 2);
    const stored = await storedItems(share.id);
    expect(stored.size).toBe(capture.final.length);
    // The viewer, reconnecting after whatever evictions closed, ends with the stored state.
    const fresh = await connect(share.id, 0);
    const { entries } = await fresh.until("ready");
    expect(new Map(entries.map((entry) => [entry.key, "item" in entry ? entry.item : null]))).toEqual(stored);
  });

  it("answers 100 overlapping syncs to one share, in random order, losing nothing", async () => {
    const share = await createShare();
    const batches = Array.from({ length: 100 }, (_, i) => [
      part(`prt_${String(i).padStart(3, "0")}`, `batch ${i}`),
      { type: "session", data: { id: "ses_1", title: `t${i}`, time: { updated: 1000 + i } } },
    ]);
    const order = batches.map((_, i) => i).sort(() => Math.random() - 0.5);
    const responses = await Promise.all(order.map((i) => sync(share, batches[i]!)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const stored = await storedItems(share.id);
    expect(stored.size).toBe(101);
    // The newest session (by time.updated) wins whatever the arrival order.
    expect(stored.get("session")!.data).toMatchObject({ title: "t99" });
  });
});
