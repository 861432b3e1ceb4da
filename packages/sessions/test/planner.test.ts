/** The ingest planner on its own (no storage): which items of a batch change stored state, and what removals name. */

import type { Item } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { progressOf } from "../src/merge";
import {
  type Incoming,
  lastPerKey,
  plan,
  prefixRange,
  removalTargets,
  type StoredVersion,
  withoutRemoved,
} from "../src/room/planner";

const encoder = new TextEncoder();

function incoming(index: number, key: string, item: Item, hash?: string): Incoming {
  const json = JSON.stringify(item);
  return { index, key, item, json, bytes: encoder.encode(json).byteLength, hash };
}

function stored(item: Item, epoch?: number, hash?: string): StoredVersion {
  const json = JSON.stringify(item);
  return {
    body: hash ? null : json,
    hash: hash ?? null,
    bytes: encoder.encode(json).byteLength,
    progress: progressOf(item),
    epoch,
    removed: false,
  };
}

const tool = (status: string) => ({
  type: "part",
  data: { id: "prt_t", messageID: "msg_1", type: "tool", state: { status } },
});

describe("the ingest planner", () => {
  it("keeps the last item per key at its last position", () => {
    const a = incoming(0, "k1", { type: "model", data: [1] });
    const b = incoming(1, "k2", { type: "model", data: [2] });
    const c = incoming(2, "k1", { type: "model", data: [3] });
    expect(lastPerKey([a, b, c]).map((item) => item.index)).toEqual([1, 2]);
  });

  it("plans nothing for an identical re-send, by JSON or by blob hash", () => {
    const item = { type: "model", data: ["same"] } as Item;
    const result = plan(
      [incoming(0, "model", item), incoming(1, "blob", item, "h1")],
      new Map([
        ["model", stored(item)],
        ["blob", stored(item, undefined, "h1")],
      ]),
      undefined,
      100,
    );
    expect(result).toEqual({ changes: [], unchanged: 2, bytes: 100 });
  });

  it("refuses a tool moving back from completed to running, and counts the share's size after the changes", () => {
    const done = tool("completed") as Item;
    const running = tool("running") as Item;
    const fresh = { type: "model", data: ["new"] } as Item;
    const result = plan(
      [incoming(0, "part/msg_1/prt_t", running), incoming(1, "model", fresh)],
      new Map([["part/msg_1/prt_t", stored(done)]]),
      undefined,
      1_000,
    );
    expect(result.changes.map((change) => change.key)).toEqual(["model"]);
    expect(result.unchanged).toBe(1);
    expect(result.bytes).toBe(1_000 + JSON.stringify(fresh).length);
  });

  it("treats a removed key as absent, so the item can come back", () => {
    const item = { type: "model", data: ["back"] } as Item;
    const result = plan([incoming(0, "model", item)], new Map([["model", { ...stored(item), removed: true }]]), 1, 0);
    expect(result.changes).toHaveLength(1);
  });

  it("expands a removed message into the prefix of its parts", () => {
    expect(removalTargets(["message/msg_1", "part/msg_2/prt_1", "message/msg_1"])).toEqual({
      keys: ["message/msg_1", "part/msg_2/prt_1"],
      partPrefixes: ["part/msg_1/"],
    });
  });

  it("drops the batch's items that its removed list names, parts of removed messages included", () => {
    const item = { type: "model", data: [] } as Item;
    const keys = ["message/msg_1", "part/msg_1/prt_1", "part/msg_10/prt_1", "part/msg_2/prt_1", "model"];
    const batch = keys.map((key, index) => incoming(index, key, item));
    const kept = withoutRemoved(batch, ["message/msg_1", "part/msg_2/prt_1"]);
    expect(kept.map((change) => change.key)).toEqual(["part/msg_10/prt_1", "model"]);
  });

  it("turns a part prefix into the key range holding exactly the keys that start with it", () => {
    const [low, high] = prefixRange("part/msg_1/");
    expect([low, high]).toEqual(["part/msg_1/", "part/msg_10"]);
    const inside = (key: string) => key >= low && key < high;
    expect(["part/msg_1/prt_a", "part/msg_1/\uffff"].every(inside)).toBe(true);
    expect(["part/msg_10/prt_a", "part/msg_1", "part/msg_0/x", "part/msg_2/"].some(inside)).toBe(false);
  });
});
