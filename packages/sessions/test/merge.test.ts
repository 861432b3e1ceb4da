/**
 * The merge rule on its own, over many more batch orders than the end-to-end replays can afford: the recorded CLI
 * batches in 2,000 random orders (each capture) all converge on the recorder's final items.
 */
import { type Item, itemKey } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { batchEpoch, type Progress, progressOf, supersedes } from "../src/merge";
import { CAPTURES, shuffled } from "./helpers";

/** Applies batches in the given order with the merge rule, as the ShareRoom does (minus storage). */
function replay(batches: Item[][]): Map<string, string> {
  const state = new Map<string, { item: Item; progress: Progress | undefined; epoch: number | undefined }>();
  for (const batch of batches) {
    const epoch = batchEpoch(batch);
    for (const item of batch) {
      const key = itemKey(item);
      const stored = state.get(key);
      if (stored && !supersedes(stored, item, epoch)) continue;
      state.set(key, { item, progress: progressOf(item), epoch });
    }
  }
  return new Map([...state].map(([key, { item }]) => [key, JSON.stringify(item)]));
}

describe.each(CAPTURES)("the merge rule on $name", (capture) => {
  const final = new Map(capture.final.map((item) => [itemKey(item), JSON.stringify(item)]));

  it("converges on the final items from 2,000 random batch orders", () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const result = replay(shuffled(capture.batches, seed));
      if (result.size !== final.size || [...final].some(([key, json]) => result.get(key) !== json)) {
        throw new Error(`order with seed ${seed} diverged`);
      }
    }
  });

  it("would lose data with plain last-wins (so the rule is doing the work)", () => {
    const lastWins = new Map<string, string>();
    for (const batch of [...capture.batches].reverse()) {
      for (const item of batch) lastWins.set(itemKey(item), JSON.stringify(item));
    }
    expect(lastWins).not.toEqual(final);
  });
});

describe("progressOf", () => {
  it("gives a tool whose status is not a known one no progress, names of Object.prototype included", () => {
    for (const status of ["constructor", "toString", "__proto__", "hasOwnProperty", "unknown"]) {
      expect(progressOf({ type: "part", data: { id: "p", messageID: "m", type: "tool", state: { status } } })).toBe(
        undefined,
      );
    }
  });

  it("orders a tool pending < running < completed, and a finished text after a streaming one", () => {
    const tool = (status: string, end?: number) => ({
      type: "part",
      data: { id: "p", messageID: "m", type: "tool", state: { status, time: end ? { start: 1, end } : { start: 1 } } },
    });
    const running = progressOf(tool("running"))!;
    expect(supersedes({ progress: running, epoch: undefined }, tool("pending"), undefined)).toBe(false);
    expect(supersedes({ progress: running, epoch: undefined }, tool("completed", 2), undefined)).toBe(true);
    expect(supersedes({ progress: progressOf(tool("completed", 2)), epoch: 9 }, tool("running"), 10)).toBe(false);
    const text = (end?: number) => ({
      type: "part",
      data: { id: "p", messageID: "m", type: "text", time: { start: 1, end } },
    });
    expect(supersedes({ progress: progressOf(text(5)), epoch: undefined }, text(), undefined)).toBe(false);
  });

  it("falls back to batch epochs, then to arrival order", () => {
    const message = { type: "message", data: { id: "m", role: "user", time: { created: 1 } } };
    expect(supersedes({ progress: progressOf(message), epoch: 20 }, message, 10)).toBe(false);
    expect(supersedes({ progress: progressOf(message), epoch: 20 }, message, 30)).toBe(true);
    expect(supersedes({ progress: progressOf(message), epoch: 20 }, message, undefined)).toBe(true);
    expect(supersedes({ progress: undefined, epoch: undefined }, { type: "model", data: [] }, undefined)).toBe(true);
  });
});
