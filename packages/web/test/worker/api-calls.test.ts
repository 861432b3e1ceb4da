/**
 * The page worker's calls to the API, in workerd: each carries the visitor's address, the API's own answers
 * (429 with `Retry-After`, 404) reach the visitor, and an unreachable API is a coded 503, never a stack trace.
 */
import { exports } from "cloudflare:workers";
import type { ErrorBody } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { FAKE_READS_PER_ADDRESS, type SeenRequest } from "./fake-api-shape";

const ORIGIN = "https://share.example.test";

/** A request to the page worker from client address `address` (none: as a local request arrives). */
function visit(path: string, address?: string, headers: Record<string, string> = {}): Promise<Response> {
  const all = new Headers(headers);
  if (address) all.set("cf-connecting-ip", address);
  return exports.default.fetch(new Request(ORIGIN + path, { headers: all }));
}

/** What reached the fake API since the last call (asked through the worker's own forwarding of `/api/*`). */
async function seenByApi(): Promise<SeenRequest[]> {
  return (await (await visit("/api/__requests")).json()) as SeenRequest[];
}

describe("the page worker's calls to the API", () => {
  it("passes the visitor's address on each of its own subrequests", async () => {
    const response = await visit("/share/addressCheck0000000000.md", "198.51.100.20");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Share addressCheck0000000000");
    const forwarded = await visit("/api/share/addressCheck0000000000/snapshot", "198.51.100.21");
    await forwarded.body?.cancel();
    const seen = (await seenByApi()).filter((request) => request.path.includes("addressCheck"));
    expect(seen).toEqual([
      { path: "/api/share/addressCheck0000000000", address: "198.51.100.20" },
      { path: "/api/share/addressCheck0000000000/data", address: "198.51.100.20" },
      { path: "/api/share/addressCheck0000000000/snapshot", address: "198.51.100.21" },
    ]);
  });

  it("counts markdown views against each visitor, so many visitors never share one read limit", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4 * FAKE_READS_PER_ADDRESS; i++) {
      const response = await visit(`/share/manyVisitors${String(i).padStart(10, "0")}.md`, `203.0.113.${i}`);
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses).toEqual(Array(4 * FAKE_READS_PER_ADDRESS).fill(200));
    const missing = await visit("/share/missing0000000000000.md", "203.0.113.200");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Share not found");
  });

  it("passes the API's 429 on with its Retry-After and code", async () => {
    let limited: Response | undefined;
    for (let i = 0; i < FAKE_READS_PER_ADDRESS + 1 && !limited; i++) {
      const response = await visit(`/share/oneVisitor${String(i).padStart(12, "0")}.md`, "192.0.2.33");
      if (response.status === 429) limited = response;
      else await response.body?.cancel();
    }
    expect(limited?.headers.get("retry-after")).toBe("60");
    expect(((await limited!.json()) as ErrorBody).error.code).toBe("rate_limited");
  });

  it("answers a coded 503 with Retry-After when the API cannot be reached, on every path that calls it", async () => {
    // `/ws/*` goes through the same forwarding; the fake, a Node handler, cannot take a WebSocket upgrade.
    for (const path of ["/api/share/Unreachable000000000000/snapshot", "/share/Unreachable000000000000.md"]) {
      const response = await visit(path, "192.0.2.44");
      expect(response.status, path).toBe(503);
      expect(response.headers.get("retry-after")).toBe("10");
      expect(response.headers.get("content-type")).toContain("application/json");
      const body = (await response.json()) as ErrorBody;
      expect(body.error.code).toBe("api_unavailable");
      expect(JSON.stringify(body)).not.toMatch(/at async|Error:/);
    }
  });
});
