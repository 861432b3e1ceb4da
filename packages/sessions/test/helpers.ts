/** Test helpers: requests to the worker under test, share creation, and the recorded CLI traffic. */

import { exports } from "cloudflare:workers";
import type { CreateShareResponse, Item } from "@shareroom/shared";
import { itemKey } from "@shareroom/shared";
import { unsafeUniformIntDistribution, xoroshiro128plus } from "pure-rand";
import finalA from "../../../fixtures/opencode-1.18.33-A/final-data.json";
import requestsA from "../../../fixtures/opencode-1.18.33-A/requests.jsonl?raw";
import finalC from "../../../fixtures/opencode-1.18.33-C-slow-server/final-data.json";
import requestsC from "../../../fixtures/opencode-1.18.33-C-slow-server/requests.jsonl?raw";

/** The origin requests are made on; `PUBLIC_SHARE_URL` in vitest.config.ts is the page origin. */
export const ORIGIN = "https://api.example.test";

let clients = 0;

/**
 * A client address no other request of this run uses (from 2001:db8::/32, the documentation range). Per-address
 * rate limits live in one Miniflare instance shared by every test file, so requests without an address of their
 * own would otherwise all count as `local` and, on a fast machine, run past the read budget (600 a minute).
 */
export function freshAddress(): string {
  return `2001:db8::${(++clients).toString(16)}`;
}

/**
 * Sends a request to the sessions worker as a client would; `body` objects are sent as JSON. Without a
 * `cf-connecting-ip` header in `headers` it comes from a {@link freshAddress}; the tests of per-address limits
 * pass addresses of their own.
 */
export function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = {
    method,
    headers: { "content-type": "application/json", "cf-connecting-ip": freshAddress(), ...headers },
  };
  if (body !== undefined)
    init.body = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  return exports.default.fetch(new Request(ORIGIN + path, init));
}

/**
 * Creates a share and returns what the CLI would store. Each call comes from its own client IP, so the per-IP
 * creation limit (tested on its own in rate-limit.test.ts) never couples unrelated tests.
 */
export async function createShare(sessionID = `ses_${crypto.randomUUID().replaceAll("-", "")}`) {
  const response = await call("POST", "/api/share", { sessionID });
  if (response.status !== 200) throw new Error(`create answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as CreateShareResponse;
}

/** Posts one sync batch and returns the response. */
export function sync(share: { id: string; secret: string }, data: unknown[]) {
  return call("POST", `/api/share/${share.id}/sync`, { secret: share.secret, data });
}

/** The stored items of a share through `GET /data`, keyed by merge key. */
export async function storedItems(id: string): Promise<Map<string, Item>> {
  const response = await call("GET", `/api/share/${id}/data`);
  if (response.status !== 200) throw new Error(`data answered ${response.status}`);
  const items = (await response.json()) as Item[];
  return new Map(items.map((item) => [itemKey(item), item]));
}

/** A recorded capture: its sync batches in arrival order and the recorder's final merged items. */
export interface Capture {
  name: string;
  batches: Item[][];
  final: Item[];
}

function capture(name: string, jsonl: string, final: unknown): Capture {
  const requests = jsonl
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { method: string; path: string; body?: { data?: Item[] } });
  const batches = requests
    .filter((request) => request.method === "POST" && request.path.endsWith("/sync"))
    .map((request) => request.body!.data!);
  return { name, batches, final: final as Item[] };
}

/** Both recorded captures (`fixtures/`). */
export const CAPTURES: Capture[] = [
  capture("opencode-1.18.33-A", requestsA, finalA),
  capture("opencode-1.18.33-C-slow-server", requestsC, finalC),
];

/** A deterministic pseudo-random generator (pure-rand's xoroshiro128+), so a failing shuffle replays from its seed. */
export function random(seed: number): () => number {
  const generator = xoroshiro128plus(seed);
  return () => unsafeUniformIntDistribution(0, 0xffff_ffff, generator) / 0x1_0000_0000;
}

/** A shuffled copy of `values` (Fisher–Yates with {@link random}). */
export function shuffled<T>(values: readonly T[], seed: number): T[] {
  const next = random(seed);
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Resolves once at least `ms` are left in the current rate-limit window. Local `ratelimits` bindings count in
 * windows of their `period` (60 s) aligned to the wall clock, all keys rolling over at once; a flood that must see
 * one whole window waits for the next one when the current one is nearly spent.
 */
export async function freshLimiterWindow(ms: number, periodMs = 60_000): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left >= ms) return;
  await new Promise((resolve) => setTimeout(resolve, left + 50));
}
