/** The R2 layout: head with inline tail, size-tiered segments, blobs for large items, and reads from R2 alone. */

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { INLINE_ITEM_MAX_BYTES, type ShareSnapshot } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import type { ShareRoom } from "../src/share-room";
import {
  type Head,
  headKey,
  IDLE_COMPACT_MS,
  SEGMENT_MAX_BYTES,
  SEGMENT_TIER_FACTOR,
  type Segment,
  segmentName,
  TAIL_INLINE_MAX_BYTES,
} from "../src/storage/layout";
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
    // Size tiers: at most factor − 1 small and factor − 1 larger unfinished segments, besides final ones (none here).
    expect(maxSegments).toBeLessThanOrEqual(2 * (SEGMENT_TIER_FACTOR - 1));
    // Contiguous, non-overlapping seq ranges.
    for (let i = 1; i < final.segments.length; i++) expect(final.segments[i]!.lo).toBe(final.segments[i - 1]!.hi);
    // Each byte is written at most three times in segments (appended, merged among small ones, merged into a final
    // one; under 4 MiB here, so twice), not once per flush as a whole-snapshot rewrite would (~30× here).
    const finalBytes = final.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    const writtenBytes = [...written.values()].reduce((sum, bytes) => sum + bytes, 0);
    expect(writtenBytes / finalBytes).toBeLessThanOrEqual(2.05);
    const response = await call("GET", `/api/share/${share.id}/snapshot`);
    // Before the body: the head, and each segment's key index header (the segment itself is checked with a HEAD).
    expect(response.headers.get("x-shareroom-r2-reads")).toBe(String(1 + final.segments.length));
    const page = (await response.json()) as ShareSnapshot;
    expect(page.entries).toHaveLength(61);
    const stats = (await (
      await call("GET", `/api/sessions/${share.id}`, undefined, { authorization: "Bearer test-admin-token" })
    ).json()) as { stats: Record<string, number> };
    expect(stats.stats).toMatchObject({ syncs: 60, rowsWritten: 120 });
    // One head per flush (plus the create); each flush's 64 KiB tail appended as one segment, and a merge every
    // eighth; each segment with its key index.
    expect(stats.stats.r2Puts).toBeGreaterThanOrEqual(61 + 2 * 60);
    expect(stats.stats.r2Puts).toBeLessThanOrEqual(61 + 2 * (60 + 60 / (SEGMENT_TIER_FACTOR - 1)));
    const items = await storedItems(share.id);
    for (const entry of page.entries) expect("item" in entry && entry.item).toEqual(items.get(entry.key));
    expect(
      (page.entries.find((entry) => entry.key === "part/msg_1/prt_live") as { item: { data: { text: string } } }).item
        .data.text,
    ).toBe("round 59");
  });

  it("keeps the number of segments bounded when batch sizes alternate around the small-segment size", async () => {
    const share = await createShare();
    let maxSegments = 0;
    for (let round = 0; round < 60; round++) {
      const size = round % 2 === 0 ? 64 * 1024 : 160 * 1024;
      await sync(share, [part(`prt_${String(round).padStart(3, "0")}`, "a".repeat(size))]);
      await runDurableObjectAlarm(roomOf(share.id));
      maxSegments = Math.max(maxSegments, (await head(share.id)).segments.length);
    }
    // At most 7 small and 31 unfinished segments (each of 128 KiB or more, under 4 MiB in all) besides the finals.
    const finals = (await head(share.id)).segments.filter((segment) => segment.bytes >= SEGMENT_MAX_BYTES / 2);
    expect(maxSegments).toBeLessThanOrEqual(SEGMENT_TIER_FACTOR - 1 + 31 + finals.length);
    expect((await snapshot(share.id)).entries).toHaveLength(60);
  });

  it("keeps the number of segments bounded when one large part is re-sent whole on every flush", async () => {
    const share = await createShare();
    let maxSegments = 0;
    for (let round = 0; round < 60; round++) {
      // A part growing as it streams, sent whole each time: the segments list it over and over, the rows hold it once.
      await sync(share, [part("prt_streaming", `${"b".repeat(200 * 1024)}${round}`)]);
      await runDurableObjectAlarm(roomOf(share.id));
      maxSegments = Math.max(maxSegments, (await head(share.id)).segments.length);
    }
    expect(maxSegments).toBeLessThanOrEqual(SEGMENT_TIER_FACTOR + 31);
    expect((await snapshot(share.id)).entries).toHaveLength(1);
  });

  it("carries the session and model entries in every head, so a first screen reads no old segment for them", async () => {
    const share = await createShare();
    const session = { type: "session", data: { id: "ses_1", title: "facts", time: { created: 1, updated: 2 } } };
    const model = { type: "model", data: [{ id: "scripted-a", name: "Scripted A" }] };
    await sync(share, [session, model, part("prt_big", "x".repeat(64 * 1024))]);
    await runDurableObjectAlarm(roomOf(share.id));
    await sync(share, [session, model, part("prt_small", "new")]);
    await runDurableObjectAlarm(roomOf(share.id));
    const current = await head(share.id);
    expect(current.segments.length).toBeGreaterThan(0);
    expect(current.tail.map((entry) => entry.key).sort()).toEqual(["model", "part/msg_1/prt_small", "session"]);
    // An entry both in the head and in a segment is read once.
    const page = await snapshot(share.id);
    expect(page.entries.map((entry) => entry.key)).toEqual([
      "model",
      "part/msg_1/prt_big",
      "part/msg_1/prt_small",
      "session",
    ]);
  });

  it("writes at most 4× the live bytes to R2 over many flushes of CLI-sized batches", async () => {
    const share = await createShare();
    // 150 flushes of one ~6 KB batch each, as the 1 s alarm writes them: a 256 KiB inline tail rewritten by every
    // flush made this 16× the live size.
    for (let round = 0; round < 150; round++) {
      const parts = [0, 1, 2].map((i) => part(`prt_${round}_${i}`, `${round} ${"w".repeat(2000)}`));
      await sync(share, [...parts, part("prt_live", `round ${round}`)]);
      await runDurableObjectAlarm(roomOf(share.id));
    }
    const live = (await snapshot(share.id)).entries.reduce((sum, entry) => sum + JSON.stringify(entry).length, 0);
    const stats = (await (
      await call("GET", `/api/sessions/${share.id}`, undefined, { authorization: "Bearer test-admin-token" })
    ).json()) as { stats: { r2BytesWritten: number } };
    expect(stats.stats.r2BytesWritten / live).toBeLessThanOrEqual(4);
  });

  it("splits a segment over 8 MiB, left by a release before segments were bounded, at the idle compaction", async () => {
    const share = await createShare();
    const text = (id: string) => "q".repeat(INLINE_ITEM_MAX_BYTES - JSON.stringify(part(id, "")).length - 64);
    for (let round = 0; round < 2; round++) {
      const ids = [0, 1, 2, 3, 4, 5].map((i) => `prt_${round}${i}`);
      expect(
        (
          await sync(
            share,
            ids.map((id) => part(id, text(id))),
          )
        ).status,
      ).toBe(200);
    }
    await runDurableObjectAlarm(roomOf(share.id));
    const before = await snapshot(share.id);
    // What an earlier release left: one segment of every entry (about 12 MiB), named by the head and the room.
    const current = await head(share.id);
    const entries: unknown[] = [...current.tail];
    for (const segment of current.segments) {
      const object = await env.SHARES.get(`shares/${share.id}/${segment.name}`);
      entries.push(...((await object!.json()) as Segment).entries);
    }
    const name = segmentName(0, current.seq);
    const body = JSON.stringify({ lo: 0, hi: current.seq, entries });
    await env.SHARES.put(`shares/${share.id}/${name}`, body);
    const big = [{ name, lo: 0, hi: current.seq, bytes: body.length }];
    expect(big[0]!.bytes).toBeGreaterThan(SEGMENT_MAX_BYTES);
    await env.SHARES.put(headKey(share.id), JSON.stringify({ ...current, segments: big, tail: [] }));
    await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      state.storage.sql.exec("UPDATE share SET segments = ?", JSON.stringify(big));
    });
    expect((await snapshot(share.id)).entries).toEqual(before.entries);

    await runInDurableObject(roomOf(share.id), (room: ShareRoom) => room.tick(Date.now() + IDLE_COMPACT_MS + 1));
    const compacted = await head(share.id);
    expect(compacted.segments.length).toBeGreaterThan(1);
    expect(compacted.segments[0]!.lo).toBe(0);
    expect(compacted.segments.at(-1)!.hi).toBe(current.seq);
    for (let i = 1; i < compacted.segments.length; i++) {
      expect(compacted.segments[i]!.lo).toBe(compacted.segments[i - 1]!.hi);
    }
    for (const segment of compacted.segments) {
      const object = await env.SHARES.head(`shares/${share.id}/${segment.name}`);
      expect(object!.size).toBe(segment.bytes);
      expect(object!.size).toBeLessThanOrEqual(SEGMENT_MAX_BYTES);
    }
    expect(compacted.segments.map((segment) => segment.name)).not.toContain(name);
    expect((await snapshot(share.id)).entries).toEqual(before.entries);
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
