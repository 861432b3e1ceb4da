/**
 * The per-share sync budget the room counts itself (room/budget.ts), on a real room's key-value storage; the route's
 * 429 is in owner-limits.test.ts.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SYNC_BUDGET_WINDOW_MS, SyncBudget } from "../src/room/budget";
import type { ShareRoom } from "../src/share-room";

const minute = (n: number) => n * SYNC_BUDGET_WINDOW_MS;

/** Runs `test` with the key-value storage of a fresh room of its own. */
function withStorage<T>(test: (kv: SyncKvStorage) => T): Promise<T> {
  const room = env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(`budget-${crypto.randomUUID()}`));
  return runInDurableObject(room, (_room: ShareRoom, state) => test(state.storage.kv));
}

const budgetOf = (perMinute: string | undefined, kv: SyncKvStorage) =>
  new SyncBudget({ SYNCS_PER_SHARE_PER_MINUTE: perMinute } as unknown as Env, kv);

describe("SyncBudget", () => {
  it("allows SYNCS_PER_SHARE_PER_MINUTE syncs in a clock minute, refuses the next, and starts afresh the next minute", () =>
    withStorage((kv) => {
      const budget = budgetOf("3", kv);
      const at = minute(1000) + 10;
      expect([1, 2, 3, 4].map((i) => budget.charge(at + i))).toEqual([true, true, true, false]);
      expect(budget.charge(minute(1001))).toBe(true);
    }));

  it("keeps its count for a room woken from hibernation or evicted (a new budget on the same storage)", () =>
    withStorage((kv) => {
      const at = minute(2000);
      expect(budgetOf("2", kv).charge(at)).toBe(true);
      expect(budgetOf("2", kv).charge(at + 1)).toBe(true);
      expect(budgetOf("2", kv).charge(at + 2)).toBe(false);
      expect(budgetOf("2", kv).charge(minute(2001))).toBe(true);
    }));

  it("falls back to 600 a minute when the var is unset or not a positive integer", () =>
    withStorage((kv) => {
      for (const [i, value] of [undefined, "0", "-5", "many"].entries()) {
        const budget = budgetOf(value, kv);
        const results = Array.from({ length: 601 }, () => budget.charge(minute(7 + i)));
        expect(results.filter(Boolean)).toHaveLength(600);
      }
    }));
});
