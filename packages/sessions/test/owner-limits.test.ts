/**
 * Limits keyed by who pays, on the real `ratelimits` bindings: strangers' failures never spend an owner's budget
 * (its own file: limiter state is per test file).
 */
import type { ErrorBody } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { call, createShare, freshLimiterWindow } from "./helpers";

const session = (title: string) => ({ type: "session", data: { id: "ses_owner", title } });

/** Tallies response statuses, e.g. `{403: 20, 429: 680}`. */
function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe("limits keyed by who pays", () => {
  it("a flood of wrong secrets from many addresses does not block the owner's syncs", async () => {
    const share = await createShare();
    const flood: number[] = [];
    let limited: Response | undefined;
    for (let start = 0; start < 700; start += 10) {
      const batch = Array.from({ length: 10 }, (_, j) =>
        call(
          "POST",
          `/api/share/${share.id}/sync`,
          { secret: `wrong-${start + j}`, data: [session("stranger")] },
          { "cf-connecting-ip": `198.51.100.${(start + j) % 250}` },
        ),
      );
      for (const response of await Promise.all(batch)) {
        flood.push(response.status);
        if (response.status === 429) limited ??= response;
        else await response.body?.cancel();
      }
    }
    console.log(`wrong-secret flood on one share: ${JSON.stringify(tally(flood))}`);
    // Past the per-share failure budget strangers get 429 (20 per window: the flood may span two), never the owner.
    expect(tally(flood)[403]).toBeLessThanOrEqual(40);
    expect(limited?.headers.get("retry-after")).toBe("60");
    expect(((await limited!.json()) as ErrorBody).error.code).toBe("rate_limited");
    const owner: number[] = [];
    for (let i = 0; i < 9; i++) {
      const response = await call(
        "POST",
        `/api/share/${share.id}/sync`,
        { secret: share.secret, data: [session(`owner ${i}`)] },
        { "cf-connecting-ip": "192.0.2.1" },
      );
      owner.push(response.status);
    }
    console.log(`the owner's next 9 syncs: ${JSON.stringify(tally(owner))}`);
    expect(owner).toEqual(Array(9).fill(200));
  }, 120_000);

  it("limits wrong secrets per address, current and legacy, without touching other addresses", async () => {
    // Three shares, so no share reaches its own failure budget (20) and only the address's is tested.
    const [current, legacy, other] = [await createShare(), await createShare(), await createShare()];
    await freshLimiterWindow(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const path = i % 2 === 0 ? `/api/share/${current.id}/sync` : "/share_sync";
      const body =
        i % 2 === 0
          ? { secret: "wrong", data: [] }
          : { sessionID: "ses_x", secret: `${legacy.id}.wrong`, key: "session/info/ses_x", content: {} };
      const response = await call("POST", path, body, { "cf-connecting-ip": "192.0.2.77" });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(403));
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
    const elsewhere = await call(
      "POST",
      `/api/share/${other.id}/sync`,
      { secret: "wrong", data: [] },
      { "cf-connecting-ip": "192.0.2.78" },
    );
    expect(elsewhere.status).toBe(403);
  });

  it("limits syncs and deletes of random share ids per address", async () => {
    await freshLimiterWindow(10_000);
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const id = crypto.randomUUID().replaceAll("-", "").slice(0, 22);
      const response =
        i % 2 === 0
          ? await call("POST", `/api/share/${id}/sync`, { secret: "s", data: [] }, { "cf-connecting-ip": "192.0.2.90" })
          : await call("DELETE", `/api/share/${id}`, { secret: "s" }, { "cf-connecting-ip": "192.0.2.90" });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    console.log(`syncs/deletes of random ids from one address: ${JSON.stringify(tally(statuses))}`);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(404));
    expect(statuses.slice(20)).toEqual(Array(10).fill(429));
  });

  it("charges the per-share sync budget only to verified syncs, and answers its 429 with Retry-After", async () => {
    const share = await createShare();
    await freshLimiterWindow(50_000);
    // Spread over addresses so the per-address write limit (1200) stays out of the way.
    const verified = (i: number) =>
      call(
        "POST",
        `/api/share/${share.id}/sync`,
        { secret: share.secret, data: [] },
        { "cf-connecting-ip": `203.0.113.${i % 200}` },
      );
    // Strangers first: their wrong secrets, from addresses of their own, must not spend any of the owner's 600.
    for (let i = 0; i < 30; i++) {
      const response = await call(
        "POST",
        `/api/share/${share.id}/sync`,
        { secret: `wrong-${i}`, data: [] },
        { "cf-connecting-ip": `198.51.100.${i}` },
      );
      expect([403, 429]).toContain(response.status);
      await response.body?.cancel();
    }
    const statuses: number[] = [];
    for (let start = 0; start < 600; start += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => verified(start + j)));
      for (const response of batch) {
        statuses.push(response.status);
        await response.body?.cancel();
      }
    }
    expect(statuses).toEqual(Array(600).fill(200));
    const limited = await verified(600);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(((await limited.json()) as ErrorBody).error.code).toBe("rate_limited");
  }, 120_000);
});
