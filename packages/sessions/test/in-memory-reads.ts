/**
 * The reads as they were before they streamed (commit c1b279b): the whole share merged in memory, then
 * `JSON.stringify`. The streaming reads must answer byte for byte the same; tests compare against these.
 */
import { env } from "cloudflare:test";
import type { Entry, Item, ShareSnapshot } from "@shareroom/shared";
import { expect } from "vitest";
import { blobKey, type Head, headKey, type Segment, sharePrefix } from "../src/storage/layout";
import { call } from "./helpers";

/** The snapshot as `GET /snapshot` answered it: one entry per key, the highest seq winning, in key order. */
export async function inMemorySnapshot(bucket: R2Bucket, id: string): Promise<ShareSnapshot | null> {
  const head = (await (await bucket.get(headKey(id)))?.json()) as Head | undefined;
  if (!head) return null;
  const segments = await Promise.all(
    head.segments.map(async (info) => (await (await bucket.get(sharePrefix(id) + info.name))!.json()) as Segment),
  );
  const latest = new Map<string, Entry & { removed?: boolean }>();
  for (const entries of [...segments.map((segment) => segment.entries), head.tail]) {
    for (const entry of entries) {
      const seen = latest.get(entry.key);
      if (!seen || seen.seq < entry.seq) latest.set(entry.key, entry);
    }
  }
  const entries = [...latest.values()]
    .filter((entry) => !entry.removed)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { id: head.id, createdAt: head.createdAt, updatedAt: head.updatedAt, seq: head.seq, entries };
}

/** `GET /data` as it was: the snapshot's items, blobs loaded. */
export async function inMemoryItems(bucket: R2Bucket, id: string): Promise<Item[] | null> {
  const snapshot = await inMemorySnapshot(bucket, id);
  if (!snapshot) return null;
  return Promise.all(
    snapshot.entries.map(async (entry) =>
      "item" in entry ? entry.item : ((await (await bucket.get(blobKey(id, entry.ref.hash)))!.json()) as Item),
    ),
  );
}

/** Legacy `GET /share_data` as it was (plain-object lookups included). */
export async function inMemoryShareData(bucket: R2Bucket, id: string): Promise<unknown> {
  const items = (await inMemoryItems(bucket, id))!;
  const messages: Record<string, Record<string, unknown> & { parts: unknown[] }> = {};
  let info: unknown = null;
  for (const item of items) if (item.type === "session") info = item.data;
  for (const item of items) {
    if (item.type !== "message") continue;
    const data = item.data as { id: string };
    messages[data.id] = { ...data, parts: [] };
  }
  for (const item of items) {
    if (item.type !== "part") continue;
    const data = item.data as { messageID: string; id: string };
    messages[data.messageID]?.parts.push(data);
  }
  for (const message of Object.values(messages)) {
    (message.parts as { id: string }[]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  return { info, messages };
}

/** Expects `/data`, `/snapshot` and `/share_data` to answer exactly what the in-memory reads give. */
export async function expectSameAsInMemory(id: string) {
  const data = await call("GET", `/api/share/${id}/data`);
  expect(data.status).toBe(200);
  expect(await data.text()).toBe(JSON.stringify(await inMemoryItems(env.SHARES, id)));
  const snapshot = await call("GET", `/api/share/${id}/snapshot`);
  expect(snapshot.status).toBe(200);
  expect(await snapshot.text()).toBe(JSON.stringify(await inMemorySnapshot(env.SHARES, id)));
  const legacy = await call("GET", `/share_data?id=${id}`);
  expect(legacy.status).toBe(200);
  expect(await legacy.text()).toBe(JSON.stringify(await inMemoryShareData(env.SHARES, id)));
}
