/**
 * The removal extension of a sync (`removed` keys): tombstones in the rows and in R2, the `removed` live message in
 * seq order for live viewers and catch-up, and items that can come back.
 */

import { env, runDurableObjectAlarm } from "cloudflare:test";
import type { ServerMessage } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { IDLE_COMPACT_MS } from "../src/storage/layout";
import { call, createShare, storedItems, sync } from "./helpers";
import { head, roomOf, settle, tickAt } from "./room-helpers";
import { connect } from "./viewer";

const message = (id: string) => ({
  type: "message",
  data: { id, sessionID: "ses_1", role: "user", time: { created: 1 } },
});
const part = (messageID: string, id: string, text: string) => ({
  type: "part",
  data: { id, messageID, type: "text", text },
});

function post(share: { id: string; secret: string }, data: unknown[], removed: string[]) {
  return call("POST", `/api/share/${share.id}/sync`, { secret: share.secret, data, removed });
}

describe("removed keys", () => {
  it("removes a message with its parts, gives each removed key a seq, and tells live viewers in seq order", async () => {
    const share = await createShare();
    await sync(share, [
      message("msg_1"),
      part("msg_1", "prt_a", "a"),
      part("msg_1", "prt_b", "b"),
      message("msg_2"),
      part("msg_2", "prt_c", "c"),
    ]);
    const viewer = await connect(share.id);
    await viewer.until("ready");
    const response = await post(share, [part("msg_2", "prt_d", "d")], ["message/msg_1", "part/msg_9/prt_unknown"]);
    expect(await response.json()).toMatchObject({ seq: 9, accepted: 1, removed: 3 });
    expect(await viewer.next()).toEqual({
      type: "changes",
      changes: [{ key: "part/msg_2/prt_d", seq: 6, item: part("msg_2", "prt_d", "d") }],
    });
    expect(await viewer.next()).toEqual({
      type: "removed",
      removed: [
        { key: "message/msg_1", seq: 7 },
        { key: "part/msg_1/prt_a", seq: 8 },
        { key: "part/msg_1/prt_b", seq: 9 },
      ],
    });

    // A viewer catching up from before the removal gets the same messages, in seq order.
    const late = await connect(share.id, 5);
    expect((await late.next()).type).toBe("changes");
    expect(await late.next()).toMatchObject({ type: "removed" });
    expect(await late.next()).toEqual({ type: "ready", seq: 9 });

    // R2 holds tombstones, one per removed key, so readers drop what older entries still hold.
    await runDurableObjectAlarm(roomOf(share.id));
    const tail = (await head(share.id)).tail as unknown as { key: string; seq: number; removed?: true }[];
    expect(tail.filter((entry) => entry.removed)).toEqual([
      { key: "message/msg_1", seq: 7, removed: true },
      { key: "part/msg_1/prt_a", seq: 8, removed: true },
      { key: "part/msg_1/prt_b", seq: 9, removed: true },
    ]);
  });

  it("never lets a viewer catch up past a removal the idle compaction dropped, once the share is loaded back", async () => {
    const share = await createShare();
    await sync(share, [message("msg_1"), part("msg_1", "prt_a", "a"), message("msg_2")]);
    const viewer = await connect(share.id);
    expect((await viewer.until("ready")).last.seq).toBe(3);
    viewer.socket.close();
    expect(await (await post(share, [], ["message/msg_1"])).json()).toMatchObject({ seq: 5, removed: 2 });
    await settle(share.id);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    // The next sync loads the rows back, without the tombstones the compaction dropped.
    expect(await (await sync(share, [message("msg_3")])).json()).toMatchObject({ seq: 6 });

    const back = await connect(share.id, 3);
    const first = await back.next();
    if (first.type === "reset") expect(first.seq).toBe(6);
    else {
      const removed: string[] = [];
      for (let next: ServerMessage = first; next.type !== "ready"; next = await back.next()) {
        expect(next.type).not.toBe("reset");
        if (next.type === "removed") removed.push(...next.removed.map((removal) => removal.key));
      }
      expect(removed).toEqual(expect.arrayContaining(["message/msg_1", "part/msg_1/prt_a"]));
    }
  });

  it("applies removals after the batch's data: a part of a removed message and a removed key it rewrites are gone", async () => {
    const share = await createShare();
    await sync(share, [message("msg_1"), message("msg_10"), part("msg_10", "prt_z", "z"), message("msg_2")]);
    const viewer = await connect(share.id);
    await viewer.until("ready");
    const response = await post(
      share,
      [part("msg_1", "prt_new", "new"), { ...message("msg_2"), data: { ...message("msg_2").data, role: "assistant" } }],
      ["message/msg_1", "message/msg_2"],
    );
    expect(await response.json()).toMatchObject({ accepted: 0, removed: 2 });
    expect([...(await storedItems(share.id)).keys()].sort()).toEqual(["message/msg_10", "part/msg_10/prt_z"]);
    expect(await viewer.next()).toEqual({
      type: "removed",
      removed: [
        { key: "message/msg_1", seq: 5 },
        { key: "message/msg_2", seq: 6 },
      ],
    });
    await settle(share.id);
    const snapshot = (await (await call("GET", `/api/share/${share.id}/snapshot`)).json()) as {
      entries: { key: string }[];
    };
    expect(snapshot.entries.map((entry) => entry.key).sort()).toEqual(["message/msg_10", "part/msg_10/prt_z"]);
  });

  it("keeps removals through an idle compaction and lets a removed item come back", async () => {
    const share = await createShare();
    await sync(share, [message("msg_1"), part("msg_1", "prt_a", "a"), message("msg_2")]);
    await runDurableObjectAlarm(roomOf(share.id));
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    // The removal arrives on a compacted room: it loads the rows back first, then removes.
    expect(await (await post(share, [], ["message/msg_1"])).json()).toMatchObject({ removed: 2 });
    await settle(share.id);
    await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1);
    const again = (await (await post(share, [part("msg_1", "prt_a", "back")], [])).json()) as { accepted: number };
    expect(again.accepted).toBe(1);
    await settle(share.id);
    // The second compaction merged from seq 0 and dropped the tombstones; the item is back in the tail.
    const current = await head(share.id);
    const entries = [...current.tail] as unknown as { key: string; removed?: true }[];
    expect(entries).toMatchObject([{ key: "part/msg_1/prt_a" }]);
    const segment = (await (await env.SHARES.get(`shares/${share.id}/${current.segments[0]!.name}`))!.json()) as {
      entries: { key: string; removed?: true }[];
    };
    expect(segment.entries.map((entry) => entry.key)).toEqual(["message/msg_2"]);
  });
});
