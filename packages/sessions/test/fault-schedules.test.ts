/**
 * Seeded fault schedules: both recorded captures, replayed in shuffled orders while a seeded share of R2 calls
 * fails (and the room is compacted, collected and evicted at random points), converge — once faults stop and the
 * duties run — on the merge of every sync answered 200, with every object the head names present, and the share
 * still expiring. Then the room is aborted at its R2 awaits mid-sync: what was answered 200 survives.
 */

import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { ERRORS, INLINE_ITEM_MAX_BYTES, type Item, itemKey, stripPrivateFields } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { batchEpoch, type Progress, progressOf, supersedes } from "../src/merge";
import { sha256Hex } from "../src/secrets";
import { IDLE_COMPACT_MS, SEGMENT_GRACE_MS } from "../src/storage/layout";
import { healFaults, injectFaults, type Operation } from "./faulty-bucket";
import { CAPTURES, call, random, shuffled, storedItems } from "./helpers";
import { missingObjects, roomOf, settle, tickAt } from "./room-helpers";
import { connect } from "./viewer";

/**
 * Schedules per capture: 200 in `npm test` (about 55 s for both captures on 2 cores); `FAULT_SCHEDULES=<n> npm test
 * -w @shareroom/sessions -- test/fault-schedules.test.ts` runs another number (vitest.config.ts passes it through).
 */
const SCHEDULES = Number((env as { FAULT_SCHEDULES?: string }).FAULT_SCHEDULES) || 200;
/** Schedules run side by side. */
const PARALLEL = 5;
const TTL_DAYS = 1;

/** The merge of `batches` in this order, by the merge rule (the reference the stored share must equal). */
function merged(batches: Item[][]): Map<string, Item> {
  const state = new Map<string, { item: Item; progress: Progress | undefined; epoch: number | undefined }>();
  for (const batch of batches) {
    const items = batch.map(stripPrivateFields);
    const epoch = batchEpoch(items);
    const last = new Map(items.map((item) => [itemKey(item), item]));
    for (const [key, item] of last) {
      const stored = state.get(key);
      if (stored && JSON.stringify(stored.item) === JSON.stringify(item)) continue;
      if (stored && !supersedes(stored, item, epoch)) continue;
      state.set(key, { item, progress: progressOf(item), epoch });
    }
  }
  return new Map([...state].map(([key, { item }]) => [key, item]));
}

/** A share made directly on its room, with a retention period, and the secret to sync it. */
async function makeShare(seed: number) {
  const id = `sched${String(seed).padStart(6, "0")}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const secret = `secret-${seed}`;
  const now = Date.now();
  await roomOf(id).create({
    shareId: id,
    secretHash: await sha256Hex(secret),
    sessionID: `ses_${seed}`,
    now,
    ttlDays: TTL_DAYS,
  });
  return { id, secret, expiresAt: now + TTL_DAYS * 86_400_000 };
}

/**
 * A sync as the worker hands it to the room: the body as a byte stream over RPC (the worker's own checks —
 * rate limit, share id — are tested elsewhere and would only slow the schedules down). Answers the status the
 * worker would send.
 */
async function post(share: { id: string; secret: string }, data: unknown[]): Promise<{ status: number }> {
  const body = new Response(JSON.stringify({ secret: share.secret, data })).body;
  const result = await roomOf(share.id).syncBody(body);
  return { status: result.ok ? 200 : ERRORS[result.code].status };
}

/** One large item per chosen batch (stored by reference), so blobs, their retries and their collection take part. */
function withBlobs(batches: Item[][], next: () => number): Item[][] {
  return batches.map((batch, index) => {
    if (next() > 0.25) return batch;
    const text = `${index}`.repeat(INLINE_ITEM_MAX_BYTES + 64);
    return [...batch, { type: "part", data: { id: "prt_zzblob", messageID: "msg_zz", type: "text", text } } as Item];
  });
}

/**
 * One schedule: a fresh share, R2 faults drawn from `seed`, the capture's batches in a shuffled order (some with a
 * large item), alarms, idle compactions and evictions in between; then heal and check.
 */
async function schedule(
  capture: Item[][],
  seed: number,
  totals: { failedCalls: number; answered: number; refused: number },
): Promise<void> {
  const next = random(seed * 7919);
  const share = await makeShare(seed);
  const ops: Operation[] = (["put", "get", "delete", "list"] as const).filter(() => next() < 0.7);
  injectFaults(share.id, {
    ops: ops.length > 0 ? ops : ["put"],
    rate: 0.1 + next() * 0.5,
    seed,
    ambiguousPuts: next() < 0.3,
  });
  const shuffledBatches = shuffled(capture, seed);
  const batches = seed % 8 === 0 ? withBlobs(shuffledBatches, next) : shuffledBatches;
  const accepted: Item[][] = [];
  for (const batch of batches) {
    const response = await post(share, batch);
    if (response.status === 200) {
      accepted.push(batch);
      totals.answered++;
    } else {
      expect(response.status).toBe(503);
      totals.refused++;
    }
    const step = next();
    if (step < 0.25) await runDurableObjectAlarm(roomOf(share.id));
    else if (step < 0.35) await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + SEGMENT_GRACE_MS + 1);
    else if (step < 0.4) await evictDurableObject(roomOf(share.id)).catch(() => undefined);
  }
  totals.failedCalls += healFaults(share.id);
  await settle(share.id);
  await tickAt(share.id, Date.now() + SEGMENT_GRACE_MS + 1);
  expect(await missingObjects(share.id), `seed ${seed}`).toEqual([]);
  expect(await storedItems(share.id), `seed ${seed}`).toEqual(merged(accepted));
  if (seed % 20 === 0) {
    // Expiry still happens, even when its first attempt meets failing R2.
    injectFaults(share.id, { ops: ["list", "delete"], failNext: 1 });
    await tickAt(share.id, share.expiresAt);
    healFaults(share.id);
    await tickAt(share.id, share.expiresAt + 1);
    expect((await call("GET", `/api/share/${share.id}/data`)).status).toBe(404);
    expect((await env.SHARES.list({ prefix: `shares/${share.id}/` })).objects).toEqual([]);
  }
}

describe.each(CAPTURES)("seeded R2 fault schedules on $name", (capture) => {
  it(
    `converge on the merge of every sync answered 200, over ${SCHEDULES} schedules`,
    async () => {
      const totals = { failedCalls: 0, answered: 0, refused: 0 };
      // Schedules touch different shares (different rooms), so a few run side by side.
      for (let first = 1; first <= SCHEDULES; first += PARALLEL) {
        const seeds = Array.from({ length: Math.min(PARALLEL, SCHEDULES - first + 1) }, (_, i) => first + i);
        await Promise.all(seeds.map((seed) => schedule(capture.batches, seed, totals)));
      }
      // The schedules did inject faults, and syncs were answered despite them.
      expect(totals.failedCalls).toBeGreaterThan(SCHEDULES / 2);
      expect(totals.answered).toBeGreaterThan(totals.refused * 10);
    },
    SCHEDULES * 3_000,
  );
});

describe("a room aborted mid-sync", () => {
  it.each(CAPTURES)("keeps every sync answered 200 when aborted at its R2 awaits ($name)", async (capture) => {
    const share = await makeShare(9_000 + capture.batches.length);
    const viewer = await connect(share.id);
    await viewer.until("ready");
    const accepted: Item[][] = [];
    const batches = withBlobs(capture.batches, random(5));
    for (const [index, batch] of batches.entries()) {
      // Abort the room at the first R2 call of this sync or of the duties run after it.
      injectFaults(share.id, { abort: true, failNext: 1, ops: index % 2 === 0 ? ["put"] : ["get", "put"] });
      if (index % 3 === 0) await tickAt(share.id, Date.now() + IDLE_COMPACT_MS + 1).catch(() => undefined);
      const response = await post(share, batch).catch(() => undefined);
      if (response?.status === 200) accepted.push(batch);
      await runDurableObjectAlarm(roomOf(share.id)).catch(() => undefined);
      healFaults(share.id);
    }
    await settle(share.id);
    expect(accepted.length).toBeGreaterThan(0);
    expect(await storedItems(share.id)).toEqual(merged(accepted));
    // A viewer reconnecting from 0 converges on the stored state (or is told to reload it).
    const fresh = await connect(share.id, 0);
    const first = await fresh.next();
    if (first.type !== "reset") {
      const rest = first.type === "ready" ? { entries: [] } : await fresh.until("ready");
      const entries = first.type === "changes" ? [...first.changes, ...rest.entries] : rest.entries;
      const seen = new Set(entries.map((entry) => entry.key));
      for (const key of (await storedItems(share.id)).keys()) expect(seen.has(key)).toBe(true);
    }
  });
});
