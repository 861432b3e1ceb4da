/** Per-address limits on every mutation route, current and legacy, on the real `ratelimits` bindings. */
import type { ErrorBody } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { call, freshLimiterWindow } from "./helpers";

/**
 * Sends `count` requests from `address`, `parallel` at a time, and returns their statuses in order; the first 429 is
 * kept in `limited`.
 */
async function flood(
  count: number,
  address: string,
  send: (i: number, address: string) => Promise<Response>,
  parallel = 1,
) {
  const statuses: number[] = [];
  let limited: Response | undefined;
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, j) => send(start + j, address));
    for (const response of await Promise.all(batch)) {
      statuses.push(response.status);
      if (response.status === 429) limited ??= response;
      else await response.body?.cancel();
    }
  }
  return { statuses, limited };
}

const headers = (address: string) => ({ "cf-connecting-ip": address });

describe("per-address limits on mutations", () => {
  it("cuts off a create flood on the legacy route at the same 30 a minute as the current one", async () => {
    await freshLimiterWindow(15_000);
    const { statuses, limited } = await flood(120, "198.51.100.1", (i, address) =>
      call("POST", "/share_create", JSON.stringify({ sessionID: `ses_${i}` }), {
        ...headers(address),
        "content-type": "text/plain",
      }),
    );
    console.log(`legacy creates accepted from one address: ${statuses.filter((s) => s === 200).length} of 120`);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect(statuses.slice(30).every((status) => status === 429)).toBe(true);
    expect(limited!.headers.get("retry-after")).toBe("60");
    expect(((await limited!.json()) as ErrorBody).error.code).toBe("rate_limited");
  });

  it("counts current and legacy creates from one address against one budget", async () => {
    await freshLimiterWindow(10_000);
    const { statuses } = await flood(40, "198.51.100.2", (i, address) =>
      i % 2 === 0
        ? call("POST", "/api/share", { sessionID: `ses_${i}` }, headers(address))
        : call("POST", "/share_create", { sessionID: `ses_${i}` }, headers(address)),
    );
    expect(statuses.filter((status) => status === 200).length).toBe(30);
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));
  });

  it("limits syncs and deletes per address, current and legacy, before reading the body", async () => {
    const id = "AAAAAAAAAAAAAAAAAAAAAA";
    const routes = [
      (address: string) => call("POST", `/api/share/${id}/sync`, "{", headers(address)),
      (address: string) => call("DELETE", `/api/share/${id}`, "{", headers(address)),
      (address: string) => call("POST", "/share_sync", "{", headers(address)),
      (address: string) => call("POST", "/share_delete", "{", headers(address)),
    ];
    await freshLimiterWindow(30_000);
    // Malformed bodies: each request is answered 400 without waking a room, so only the limiter can say 429.
    const { statuses, limited } = await flood(1200, "198.51.100.3", (i, address) => routes[i % 4]!(address), 40);
    expect(statuses.every((status) => status === 400)).toBe(true);
    for (const send of routes) {
      const response = await send("198.51.100.3");
      expect(response.status).toBe(429);
      expect(response.headers.get("retry-after")).toBe("60");
      expect((await send("198.51.100.4")).status).toBe(400);
    }
    expect(limited).toBeUndefined();
  }, 120_000);
});
