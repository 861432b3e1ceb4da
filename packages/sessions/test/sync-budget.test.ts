/** The per-share sync budget the room counts itself (room/budget.ts); the route's 429 is in owner-limits.test.ts. */
import { describe, expect, it } from "vitest";
import { SYNC_BUDGET_WINDOW_MS, SyncBudget } from "../src/room/budget";

const minute = (n: number) => n * SYNC_BUDGET_WINDOW_MS;

describe("SyncBudget", () => {
  it("allows SYNCS_PER_SHARE_PER_MINUTE syncs in a clock minute, refuses the next, and starts afresh the next minute", () => {
    const budget = new SyncBudget({ SYNCS_PER_SHARE_PER_MINUTE: "3" } as Env);
    const at = minute(1000) + 10;
    expect([1, 2, 3, 4].map((i) => budget.charge("abc", "secret", at + i))).toEqual([true, true, true, false]);
    expect(budget.charge("abc", "secret", minute(1001))).toBe(true);
  });

  it("never charges a legacy secret (<share id>.<random>)", () => {
    const budget = new SyncBudget({ SYNCS_PER_SHARE_PER_MINUTE: "1" } as Env);
    expect(budget.charge("abc", "secret", minute(5))).toBe(true);
    expect(budget.charge("abc", "abc.legacy", minute(5))).toBe(true);
    expect(budget.charge("abc", "secret", minute(5))).toBe(false);
  });

  it("falls back to 600 a minute when the var is unset or not a positive integer", () => {
    for (const value of [undefined, "0", "-5", "many"]) {
      const budget = new SyncBudget({ SYNCS_PER_SHARE_PER_MINUTE: value } as unknown as Env);
      const results = Array.from({ length: 601 }, () => budget.charge("abc", "secret", minute(7)));
      expect(results.filter(Boolean)).toHaveLength(600);
    }
  });
});
