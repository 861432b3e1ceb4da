/** Live sync: catch-up from `since`, broadcasts, reset, deletion and hibernation, over real WebSockets in workerd. */

import { env, evictDurableObject } from "cloudflare:test";
import { CLOSE_SHARE_DELETED, type Entry, type Item, MAX_CATCH_UP_BYTES } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { CAPTURES, call, createShare, random, storedItems, sync } from "./helpers";
import { connect } from "./viewer";

const text = (id: string, body: string) => ({
  type: "part",
  data: { id, messageID: "msg_1", type: "text", text: body },
});

/** Applies entries the way a page does: per key, the highest seq wins. */
function apply(state: Map<string, Entry>, entries: Entry[]) {
  for (const entry of entries) {
    const held = state.get(entry.key);
    if (!held || held.seq < entry.seq) state.set(entry.key, entry);
  }
}

describe("GET /ws/:id", () => {
  it("tells a new viewer the current seq, then sends each accepted change with its seq", async () => {
    const share = await createShare();
    await sync(share, [text("prt_1", "one")]);
    const viewer = await connect(share.id);
    const caughtUp = await viewer.until("ready");
    expect(caughtUp.entries.map((entry) => entry.key)).toEqual(["part/msg_1/prt_1"]);
    expect(caughtUp.last.seq).toBe(1);
    await sync(share, [text("prt_2", "two"), text("prt_1", "one, edited")]);
    const live = await viewer.next();
    expect(live).toEqual({
      type: "changes",
      changes: [
        { key: "part/msg_1/prt_2", seq: 2, item: text("prt_2", "two") },
        { key: "part/msg_1/prt_1", seq: 3, item: text("prt_1", "one, edited") },
      ],
    });
  });

  it("does not broadcast a batch that changed nothing", async () => {
    const share = await createShare();
    const viewer = await connect(share.id);
    await viewer.until("ready");
    await sync(share, [text("prt_1", "same")]);
    await sync(share, [text("prt_1", "same")]);
    await sync(share, [text("prt_2", "next")]);
    expect(((await viewer.next()) as { changes: Entry[] }).changes.map((entry) => entry.seq)).toEqual([1]);
    expect(((await viewer.next()) as { changes: Entry[] }).changes.map((entry) => entry.seq)).toEqual([2]);
  });

  it.each(CAPTURES)(
    "a viewer that keeps dropping and reconnecting with since ends with exactly the stored state ($name)",
    async (capture) => {
      const share = await createShare();
      const state = new Map<string, Entry>();
      const next = random(42);
      let seq = 0;
      let viewer = await connect(share.id, seq);
      const received: number[] = [];
      for (const batch of capture.batches) {
        if (next() < 0.5) {
          // Drop: read what was sent so far, close, and let a few batches go by unseen.
          const { entries, last } = await viewer.until("ready");
          apply(state, entries);
          received.push(...entries.map((entry) => entry.seq));
          seq = Math.max(seq, last.seq, ...entries.map((entry) => entry.seq));
          viewer.socket.close(1000);
          await sync(share, batch);
          viewer = await connect(share.id, seq);
        } else {
          await sync(share, batch);
        }
      }
      const finalSeq = ((await (await sync(share, [])).json()) as { seq: number }).seq;
      // Collect until the viewer has caught up with the final seq.
      for (;;) {
        const message = await viewer.next();
        if (message.type === "changes") {
          apply(state, message.changes);
          received.push(...message.changes.map((entry) => entry.seq));
          if (Math.max(...message.changes.map((entry) => entry.seq)) >= finalSeq) break;
        } else if (message.type === "ready" && message.seq >= finalSeq && state.size > 0) {
          const max = Math.max(...[...state.values()].map((entry) => entry.seq));
          if (max >= finalSeq) break;
        }
      }
      expect(new Set(received).size).toBe(received.length);
      const items = new Map([...state.values()].map((entry) => [entry.key, (entry as { item: Item }).item]));
      expect(items).toEqual(await storedItems(share.id));
    },
  );

  it("tells a viewer that is ahead of the share to reload", async () => {
    const share = await createShare();
    const viewer = await connect(share.id, 99);
    expect(await viewer.next()).toEqual({ type: "reset", seq: 0, reason: "ahead_of_share" });
  });

  it("tells a viewer too far behind to reload the snapshot instead of replaying megabytes", async () => {
    const share = await createShare();
    const big = "x".repeat(900 * 1024);
    const count = Math.ceil(MAX_CATCH_UP_BYTES / big.length) + 1;
    await sync(
      share,
      Array.from({ length: count }, (_, i) => text(`prt_${i}`, big)),
    );
    const viewer = await connect(share.id, 0);
    expect(await viewer.next()).toMatchObject({ type: "reset", reason: "too_far_behind", seq: count });
  });

  it("refuses a malformed since with 400", async () => {
    const share = await createShare();
    const bad = await call("GET", `/ws/${share.id}?since=-1`, undefined, { upgrade: "websocket" });
    expect(bad.status).toBe(400);
  });

  it("tells a viewer of an unknown share that it is gone, with the deleted close code", async () => {
    const viewer = await connect("AAAAAAAAAAAAAAAAAAAAAA");
    expect(await viewer.next()).toEqual({ type: "deleted" });
    expect(await viewer.closed).toBe(CLOSE_SHARE_DELETED);
  });

  it("closes viewers with the deleted code when the share is deleted", async () => {
    const share = await createShare();
    const viewer = await connect(share.id);
    await viewer.until("ready");
    await call("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    expect(await viewer.next()).toEqual({ type: "deleted" });
    expect(await viewer.closed).toBe(CLOSE_SHARE_DELETED);
  });

  it("keeps broadcasting to a viewer across hibernation of the room", async () => {
    const share = await createShare();
    const viewer = await connect(share.id);
    await viewer.until("ready");
    const stub = env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(share.id));
    await evictDurableObject(stub, { webSockets: "hibernate" });
    await sync(share, [text("prt_1", "after hibernation")]);
    const message = await viewer.next();
    expect(message).toMatchObject({ type: "changes", changes: [{ key: "part/msg_1/prt_1", seq: 1 }] });
  });
});
