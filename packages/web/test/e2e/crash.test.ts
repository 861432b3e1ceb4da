/**
 * Crash: the whole local stack (sessions `wrangler dev` and the page's `vite dev`) SIGKILLed in the middle of
 * replaying a recorded capture, then started again on the same persisted state. Every change answered 200 before
 * the kill must be in `GET /api/share/:id/data`, and the share must go on taking syncs.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CreateShareResponse, type Item, itemKey, stripPrivateFields } from "@shareroom/shared";
import { afterAll, describe, expect, inject, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../../../scripts/local-stack.mjs";

const capture = join(inject("fixturesDir"), "opencode-1.18.33-A");

/** The capture's sync batches in arrival order. */
async function batches(): Promise<Item[][]> {
  const text = await readFile(join(capture, "requests.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as { method: string; path: string; body?: { data?: Item[] } })
    .filter((request) => request.method === "POST" && request.path.endsWith("/sync"))
    .map((request) => request.body!.data!);
}

function post(origin: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** The items of `batches` merged as the CLI means them (the last item of a key wins), stripped as on ingest. */
function merged(sent: Item[][]): Map<string, Item> {
  const items = new Map<string, Item>();
  for (const batch of sent) for (const item of batch) items.set(itemKey(item), stripPrivateFields(item));
  return items;
}

async function stored(origin: string, id: string): Promise<Map<string, Item>> {
  const response = await fetch(`${origin}/api/share/${id}/data`);
  expect(response.status).toBe(200);
  return new Map(((await response.json()) as Item[]).map((item) => [itemKey(item), item]));
}

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe("the local stack killed with SIGKILL mid-replay", () => {
  it("keeps every change it answered 200 once started again on the same state", { timeout: 300_000 }, async () => {
    const all = await batches();
    const state = await mkdtemp(join(tmpdir(), "shareroom-crash-"));
    cleanup.push(() => rm(state, { recursive: true, force: true }));
    let stack: LocalStack = await startLocalStack({ state });
    cleanup.push(() => stack.stop());

    const created = await post(stack.webOrigin, "/api/share", { sessionID: "ses_crash0123456789abcdef" });
    expect(created.status).toBe(200);
    const share = (await created.json()) as CreateShareResponse;
    const sync = (origin: string, data: Item[]) =>
      post(origin, `/api/share/${share.id}/sync`, { secret: share.secret, data });

    // Half the capture answered one by one, then the kill lands while the next sync is in flight.
    const half = Math.floor(all.length / 2);
    const accepted: Item[][] = [];
    for (const batch of all.slice(0, half)) {
      expect((await sync(stack.webOrigin, batch)).status).toBe(200);
      accepted.push(batch);
    }
    const inFlight = sync(stack.webOrigin, all[half]!).then(
      (response) => response.status,
      () => "no answer" as const,
    );
    await stack.kill();
    if ((await inFlight) === 200) accepted.push(all[half]!);
    expect(accepted.length).toBeLessThan(all.length);

    stack = await startLocalStack({ state });
    const after = await stored(stack.webOrigin, share.id);
    const expected = merged(accepted);
    // A batch that got no answer may have landed or not: its keys hold either version.
    const maybe = accepted.length === half ? merged([...accepted, all[half]!]) : expected;
    for (const [key, item] of expected) {
      expect(after.has(key), key).toBe(true);
      expect([item, maybe.get(key)], key).toContainEqual(after.get(key));
    }

    // The share goes on: the rest of the capture lands and the share ends as the recorder's.
    for (const batch of all.slice(accepted.length)) expect((await sync(stack.webOrigin, batch)).status).toBe(200);
    expect(await stored(stack.webOrigin, share.id)).toEqual(merged(all));
  });
});
