/**
 * The room under R2 faults (injected around the real binding, `faulty-bucket.ts`): nothing answered 200 is lost,
 * no object the head names is deleted, and every duty comes back once R2 does.
 */

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { INLINE_ITEM_MAX_BYTES, MAX_SHARE_BYTES } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { RETRY_BASE_MS } from "../src/room/duties";
import type { ShareRoom } from "../src/share-room";
import { headKey, IDLE_COMPACT_MS, SEGMENT_GRACE_MS, segmentKeysName } from "../src/storage/layout";
import { ORPHAN_GRACE_MS } from "../src/storage/write";
import { healFaults, injectFaults } from "./faulty-bucket";
import { createShare, ORIGIN, storedItems, sync } from "./helpers";
import { head, missingObjects, roomOf, settle, tickAt } from "./room-helpers";

const part = (id: string, text: string) => ({ type: "part", data: { id, messageID: "msg_1", type: "text", text } });
const tool = (id: string, status: string, output: string) => ({
  type: "part",
  data: { id, messageID: "msg_1", type: "tool", tool: "bash", state: { status, output } },
});

function alarmOf(id: string) {
  return runInDurableObject(roomOf(id), (_room: ShareRoom, state) => state.storage.getAlarm());
}

describe("R2 faults", () => {
  it("re-arms the alarm after a failed flush, so flush and expiry still happen", async () => {
    const share = await createShare();
    injectFaults(share.id, { ops: ["put"], failNext: 100 });
    expect((await sync(share, [part("prt_1", "kept")])).status).toBe(200);
    await runDurableObjectAlarm(roomOf(share.id)).catch(() => undefined);
    expect(await alarmOf(share.id)).not.toBeNull();
    healFaults(share.id);
    await settle(share.id);
    expect((await storedItems(share.id)).get("part/msg_1/prt_1")).toEqual(part("prt_1", "kept"));
  });

  it("waits out the backoff during an R2 outage even when the idle compaction is long past due", async () => {
    const share = await createShare();
    injectFaults(share.id, { ops: ["put"], failNext: 100 });
    expect((await sync(share, [part("prt_1", "kept")])).status).toBe(200);
    // The share has been idle for longer than the compaction waits, as after a long outage.
    await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      state.storage.sql.exec("UPDATE share SET updated_at = 0, active_at = 0");
    });
    const before = Date.now();
    await runDurableObjectAlarm(roomOf(share.id));
    expect(await alarmOf(share.id)).toBeGreaterThanOrEqual(before + RETRY_BASE_MS);
    healFaults(share.id);
  });

  it("tells clients that storage is unavailable without naming R2 objects or internal errors", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "old")]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    const saved = await (await env.SHARES.get(headKey(share.id)))!.text();
    await env.SHARES.delete(headKey(share.id));
    // A sync the inbox keeps, then a reader that needs the share loaded back: both meet the missing head.
    expect((await sync(share, [part("prt_2", "new")])).status).toBe(200);
    const read = await exports.default.fetch(new Request(`${ORIGIN}/api/share/${share.id}/data`));
    // A sync that would not fit in the share with the inbox is refused while the rows cannot be read.
    await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      state.storage.sql.exec("UPDATE share SET bytes = ?", MAX_SHARE_BYTES);
    });
    const refused = await sync(share, [part("prt_3", "newer")]);
    for (const response of [read, refused]) {
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ error: { code: "storage_unavailable" } });
      expect(text).not.toMatch(/shares\/|head\.json|missing|Error/);
    }
    await env.SHARES.put(headKey(share.id), saved);
  });

  it("never deletes a segment the live head still names, whatever head PUTs fail", async () => {
    const share = await createShare();
    const chunk = "s".repeat(300 * 1024);
    await sync(
      share,
      [1, 2, 3, 4, 5].map((n) => part(`prt_a${n}`, chunk)),
    );
    await runDurableObjectAlarm(roomOf(share.id));
    await sync(share, [part("prt_b", chunk)]);
    await runDurableObjectAlarm(roomOf(share.id));
    expect((await head(share.id)).segments.length).toBe(2);
    await sync(share, [part("prt_c", "tail")]);
    await runDurableObjectAlarm(roomOf(share.id));
    // The idle compaction merges both segments; its head PUT fails, and so does the retry a grace period later.
    injectFaults(share.id, { keyContains: "head.json", ops: ["put"], failNext: 2 });
    const idle = Date.now() + IDLE_COMPACT_MS + 1;
    await tickAt(share.id, idle).catch(() => undefined);
    await tickAt(share.id, idle + SEGMENT_GRACE_MS + 1).catch(() => undefined);
    healFaults(share.id);
    expect(await missingObjects(share.id)).toEqual([]);
    await settle(share.id);
    expect(await missingObjects(share.id)).toEqual([]);
    expect((await storedItems(share.id)).size).toBe(7);
  });

  it("never reads a missing head as an empty share when it loads a compacted share back", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "old"), part("prt_2", "older")]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    const saved = await (await env.SHARES.get(headKey(share.id)))!.text();
    await env.SHARES.delete(headKey(share.id));
    expect((await sync(share, [part("prt_3", "new")])).status).toBe(200);
    await env.SHARES.put(headKey(share.id), saved);
    await settle(share.id);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    await settle(share.id);
    expect([...(await storedItems(share.id)).keys()].sort()).toEqual([
      "part/msg_1/prt_1",
      "part/msg_1/prt_2",
      "part/msg_1/prt_3",
    ]);
  });

  it("answers 200 for a batch whose blob PUT fails, and stores the blob once R2 is back", async () => {
    const share = await createShare();
    const big = part("prt_big", "B".repeat(INLINE_ITEM_MAX_BYTES + 10));
    injectFaults(share.id, { ops: ["put"], keyContains: "/blobs/", failNext: 1 });
    const response = await sync(share, [big, part("prt_small", "small")]);
    expect(response.status).toBe(200);
    healFaults(share.id);
    await settle(share.id);
    const items = await storedItems(share.id);
    expect(items.get("part/msg_1/prt_big")).toEqual(big);
    expect(items.get("part/msg_1/prt_small")).toEqual(part("prt_small", "small"));
    expect(await missingObjects(share.id)).toEqual([]);
  });

  it("answers 200 for a batch that arrives while R2 GETs fail during rehydration, and merges it later", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "before the nap")]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    injectFaults(share.id, { ops: ["get"], failNext: 1 });
    expect((await sync(share, [part("prt_2", "during the fault")])).status).toBe(200);
    healFaults(share.id);
    await settle(share.id);
    expect([...(await storedItems(share.id)).keys()].sort()).toEqual(["part/msg_1/prt_1", "part/msg_1/prt_2"]);
  });

  it("keeps the merge progress of an item over 1 MiB through a compaction: a late running copy loses", async () => {
    const share = await createShare();
    const output = "o".repeat(INLINE_ITEM_MAX_BYTES + 10);
    await sync(share, [tool("prt_t", "completed", output)]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    const late = (await (await sync(share, [tool("prt_t", "running", output.slice(1))])).json()) as {
      accepted: number;
    };
    expect(late.accepted).toBe(0);
    await settle(share.id);
    const stored = (await storedItems(share.id)).get("part/msg_1/prt_t")!;
    expect((stored.data as { state: { status: string } }).state.status).toBe("completed");
  });
});

describe("storage stays bounded", () => {
  it("counts a blob reference at its own size in the tail budget, and deletes replaced blob versions", async () => {
    const share = await createShare();
    for (let round = 0; round < 6; round++) {
      await sync(share, [part("prt_big", `${round}`.repeat(INLINE_ITEM_MAX_BYTES + 10)), part("prt_n", `${round}`)]);
      await runDurableObjectAlarm(roomOf(share.id));
    }
    const current = await head(share.id);
    expect(current.segments).toEqual([]);
    await tickAt(share.id, Date.now() + SEGMENT_GRACE_MS + 1);
    const blobs = await env.SHARES.list({ prefix: `shares/${share.id}/blobs/` });
    expect(blobs.objects.length).toBe(1);
    expect(await missingObjects(share.id)).toEqual([]);
  });

  it("collects a segment whose head PUT failed once no head names it (no orphans left in R2)", async () => {
    const share = await createShare();
    await sync(share, [part("prt_a", "s".repeat(300 * 1024))]);
    injectFaults(share.id, { keyContains: "head.json", ops: ["put"], failNext: 1 });
    await runDurableObjectAlarm(roomOf(share.id));
    healFaults(share.id);
    await sync(share, [part("prt_b", "later")]);
    await settle(share.id);
    await tickAt(share.id, Date.now() + ORPHAN_GRACE_MS + 1);
    const listed = await env.SHARES.list({ prefix: `shares/${share.id}/segments/` });
    const named = (await head(share.id)).segments.flatMap((segment) => [
      `shares/${share.id}/${segment.name}`,
      `shares/${share.id}/${segmentKeysName(segment.name)}`,
    ]);
    expect(listed.objects.map((object) => object.key)).toEqual(named);
    expect(await missingObjects(share.id)).toEqual([]);
  });

  it("arms the alarm again for rows a legacy poller brought back after a compaction", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "same")]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    expect(await alarmOf(share.id)).toBeNull();
    const response = await exports.default.fetch(
      new Request(`${ORIGIN}/share_poll?id=${share.id}`, { headers: { upgrade: "websocket" } }),
    );
    expect(response.status).toBe(101);
    response.webSocket!.accept();
    expect(await alarmOf(share.id)).not.toBeNull();
    response.webSocket!.close();
  });

  it("arms the alarm again for rows an unchanged sync brought back after a compaction", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "same")]);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    expect(await alarmOf(share.id)).toBeNull();
    await sync(share, [part("prt_1", "same")]);
    expect(await alarmOf(share.id)).not.toBeNull();
  });
});
