/** Helpers for tests that look inside a share's storage: its head, what it names, and running its duties. */

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { ShareRoom } from "../src/share-room";
import { type Head, headKey, segmentKeysName } from "../src/storage/layout";
import { call } from "./helpers";

/** The share's `ShareRoom` stub. */
export const roomOf = (id: string) => env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(id));

/** The share's current head, read from R2. */
export async function head(id: string): Promise<Head> {
  return (await (await env.SHARES.get(headKey(id)))!.json()) as Head;
}

/** The objects the live head names (segments, and the blobs of the entries that win) that R2 does not hold. */
export async function missingObjects(id: string): Promise<string[]> {
  const current = await head(id);
  const missing: string[] = [];
  for (const segment of current.segments) {
    if (!(await env.SHARES.head(`shares/${id}/${segment.name}`))) missing.push(segment.name);
    const keys = segmentKeysName(segment.name);
    if (segment.keys !== undefined && !(await env.SHARES.head(`shares/${id}/${keys}`))) missing.push(keys);
  }
  const snapshot = await call("GET", `/api/share/${id}/snapshot`);
  if (snapshot.status !== 200) return [...missing, `snapshot answered ${snapshot.status}`];
  const { entries } = (await snapshot.json()) as { entries: { ref?: { hash: string } }[] };
  for (const entry of entries) {
    if (entry.ref && !(await env.SHARES.head(`shares/${id}/blobs/${entry.ref.hash}.json`))) {
      missing.push(entry.ref.hash);
    }
  }
  return missing;
}

/** Runs the alarm until the room reports no duty with work left (at most `rounds` times). */
export async function settle(id: string, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (!(await runDurableObjectAlarm(roomOf(id)))) return;
    if ((await runInDurableObject(roomOf(id), (room: ShareRoom) => room.pendingDuties())) === 0) return;
  }
  throw new Error(`share ${id} still has duties after ${rounds} alarms`);
}

/** Runs the room's duties as the alarm would at `now` (Unix ms). */
export function tickAt(id: string, now: number) {
  return runInDurableObject(roomOf(id), (room: ShareRoom) => room.tick(now));
}
