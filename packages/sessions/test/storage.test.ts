/** The R2 layout: head with inline tail, size-tiered segments, blobs for large items, and reads from R2 alone. */

import { env, runDurableObjectAlarm } from "cloudflare:test";
import { INLINE_ITEM_MAX_BYTES, type ShareSnapshot } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { type Head, headKey, SEGMENT_MAX_BYTES, TAIL_INLINE_MAX_BYTES } from "../src/storage/layout";
import { call, createShare, storedItems, sync } from "./helpers";

const part = (id: string, text: string) => ({ type: "part", data: { id, messageID: "msg_1", type: "text", text } });
const roomOf = (id: string) => env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(id));

async function head(id: string): Promise<Head> {
  return (await (await env.SHARES.get(headKey(id)))!.json()) as Head;
}

async function snapshot(id: string): Promise<ShareSnapshot> {
  const response = await call("GET", `/api/share/${id}/snapshot`);
  expect(response.status).toBe(200);
  return (await response.json()) as ShareSnapshot;
}

describe("R2 layout", () => {
  it("writes nothing to R2 on a sync itself; the flush alarm writes the head with the tail inline", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "hello")]);
    expect((await head(share.id)).seq).toBe(0);
    expect(await runDurableObjectAlarm(roomOf(share.id))).toBe(true);
    const written = await head(share.id);
    expect(written).toMatchObject({ id: share.id, seq: 1, segments: [] });
    expect(written.tail.map((entry) => entry.key)).toEqual(["part/msg_1/prt_1"]);
    const response = await call("GET", `/api/share/${share.id}/snapshot`);
    expect(response.headers.get("x-shareroom-r2-reads")).toBe("1");
    const page = (await response.json()) as ShareSnapshot;
    expect(page.seq).toBe(1);
    expect(page.entries).toEqual([{ key: "part/msg_1/prt_1", seq: 1, item: part("prt_1", "hello") }]);
  });

  it("keeps the page snapshot on R2 alone, at the seq it reflects, so a viewer can subscribe from there", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "flushed")]);
    await runDurableObjectAlarm(roomOf(share.id));
    await sync(share, [part("prt_2", "not yet flushed")]);
    const page = await snapshot(share.id);
    expect(page.seq).toBe(1);
    expect(page.entries.map((entry) => entry.key)).toEqual(["part/msg_1/prt_1"]);
  });

  it("stores items over the inline limit as blobs, referenced from the snapshot and inlined in /data", async () => {
    const share = await createShare();
    const huge = part("prt_big", `data:image/png;base64,${"A".repeat(INLINE_ITEM_MAX_BYTES + 10)}`);
    await sync(share, [huge, part("prt_small", "small")]);
    await runDurableObjectAlarm(roomOf(share.id));
    const page = await snapshot(share.id);
    const entry = page.entries.find((candidate) => candidate.key === "part/msg_1/prt_big")!;
    expect("ref" in entry && entry.ref).toMatchObject({ type: "part:text", bytes: JSON.stringify(huge).length });
    const hash = "ref" in entry ? entry.ref.hash : "";
    const blob = await call("GET", `/api/share/${share.id}/blob/${hash}`);
    expect(await blob.json()).toEqual(huge);
    expect((await storedItems(share.id)).get("part/msg_1/prt_big")).toEqual(huge);
    const again = (await (await sync(share, [huge])).json()) as { accepted: number; unchanged: number };
    expect(again).toMatchObject({ accepted: 0, unchanged: 1 });
  });

  it("spills a large tail into bounded segments whose number grows only logarithmically with the share", async () => {
    const share = await createShare();
    const chunk = "y".repeat(64 * 1024);
    let maxSegments = 0;
    const written = new Map<string, number>();
    for (let round = 0; round < 60; round++) {
      await sync(share, [part(`prt_${String(round).padStart(3, "0")}`, chunk), part("prt_live", `round ${round}`)]);
      await runDurableObjectAlarm(roomOf(share.id));
      const current = await head(share.id);
      for (const segment of current.segments) {
        written.set(segment.name, segment.bytes);
        expect(segment.bytes).toBeLessThanOrEqual(SEGMENT_MAX_BYTES + 1024);
      }
      maxSegments = Math.max(maxSegments, current.segments.length);
      const tailBytes = current.tail.reduce((sum, entry) => sum + JSON.stringify(entry).length, 0);
      expect(tailBytes).toBeLessThanOrEqual(TAIL_INLINE_MAX_BYTES + 1024);
    }
    const final = await head(share.id);
    expect(final.segments.length).toBeGreaterThan(0);
    // Size-tiered: O(log n) segments while the share fits a few bounded segments.
    expect(maxSegments).toBeLessThanOrEqual(8);
    // Contiguous, non-overlapping seq ranges.
    for (let i = 1; i < final.segments.length; i++) expect(final.segments[i]!.lo).toBe(final.segments[i - 1]!.hi);
    // Size-tiered merging rewrites each byte a bounded number of times (≈ 1/(1 − 1/(1 + 1/factor)) = 5 at worst),
    // not once per flush as a whole-snapshot rewrite would (~30× here).
    const finalBytes = final.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    const writtenBytes = [...written.values()].reduce((sum, bytes) => sum + bytes, 0);
    expect(writtenBytes / finalBytes).toBeLessThan(5.5);
    const response = await call("GET", `/api/share/${share.id}/snapshot`);
    expect(response.headers.get("x-shareroom-r2-reads")).toBe(String(1 + final.segments.length));
    const page = (await response.json()) as ShareSnapshot;
    expect(page.entries).toHaveLength(61);
    const stats = (await (
      await call("GET", `/api/sessions/${share.id}`, undefined, { authorization: "Bearer test-admin-token" })
    ).json()) as { stats: Record<string, number> };
    expect(stats.stats).toMatchObject({ syncs: 60, rowsWritten: 120 });
    // One head per flush (plus the create), and a segment only now and then.
    expect(stats.stats.r2Puts).toBeGreaterThanOrEqual(61);
    expect(stats.stats.r2Puts).toBeLessThan(61 + 30);
    const items = await storedItems(share.id);
    for (const entry of page.entries) expect("item" in entry && entry.item).toEqual(items.get(entry.key));
    expect(
      (page.entries.find((entry) => entry.key === "part/msg_1/prt_live") as { item: { data: { text: string } } }).item
        .data.text,
    ).toBe("round 59");
  });

  it("cuts segments at 8 MiB of object bytes, entry envelopes included, so a full segment stays within the limit", async () => {
    const share = await createShare();
    // Eight items whose JSON is exactly the inline maximum weigh 8 MiB as items, and more as entries.
    const text = (id: string) => {
      const bare = JSON.stringify(part(id, "")).length;
      return "z".repeat(INLINE_ITEM_MAX_BYTES - bare);
    };
    const items = Array.from({ length: 8 }, (_, i) => part(`prt_${i}`, text(`prt_${i}`)));
    expect(JSON.stringify(items[0]).length).toBe(INLINE_ITEM_MAX_BYTES);
    expect((await sync(share, items)).status).toBe(200);
    await runDurableObjectAlarm(roomOf(share.id));
    const current = await head(share.id);
    expect(current.segments.length).toBeGreaterThan(1);
    for (const segment of current.segments) {
      const object = await env.SHARES.head(`shares/${share.id}/${segment.name}`);
      expect(segment.bytes).toBe(object!.size);
      expect(object!.size).toBeLessThanOrEqual(SEGMENT_MAX_BYTES);
    }
  });

  it("deletes every object of the share, segments and blobs included", async () => {
    const share = await createShare();
    await sync(share, [part("prt_big", "B".repeat(INLINE_ITEM_MAX_BYTES + 1))]);
    for (let round = 0; round < 8; round++) {
      await sync(share, [part(`prt_${round}`, "z".repeat(64 * 1024))]);
      await runDurableObjectAlarm(roomOf(share.id));
    }
    expect((await env.SHARES.list({ prefix: `shares/${share.id}/` })).objects.length).toBeGreaterThan(2);
    expect((await call("DELETE", `/api/share/${share.id}`, { secret: share.secret })).status).toBe(200);
    expect((await env.SHARES.list({ prefix: `shares/${share.id}/` })).objects).toEqual([]);
    expect(await runDurableObjectAlarm(roomOf(share.id))).toBe(false);
  });
});
