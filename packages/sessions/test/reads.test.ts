/**
 * Reads from R2: streamed bodies byte-identical to the in-memory reads they replaced, the page's head and segment
 * reads with their caching headers, and missing or failing storage answered 503 with a code, never as an empty share.
 */
import { createExecutionContext, env, runDurableObjectAlarm, waitOnExecutionContext } from "cloudflare:test";
import {
  type Entry,
  type ErrorBody,
  INLINE_ITEM_MAX_BYTES,
  NEWEST_ENTRIES_BYTES,
  type ShareSnapshot,
} from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import worker from "../src/index";
import { storedEntryJson } from "../src/room/live";
import { type Head, headKey, type Segment, type SegmentInfo, segmentName, sharePrefix } from "../src/storage/layout";
import { entryPlace, KEEP_SEGMENT_BYTES, STREAM_BATCH_BYTES, scanEntries } from "../src/storage/read";
import { CAPTURES, call, createShare, ORIGIN, random, sync } from "./helpers";
import { expectSameAsInMemory, inMemoryShareData, inMemorySnapshot } from "./in-memory-reads";

const part = (id: string, text: string, messageID = "msg_1") => ({
  type: "part",
  data: { id, messageID, type: "text", text },
});
const roomOf = (id: string) => env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(id));

async function head(id: string): Promise<Head> {
  return (await (await env.SHARES.get(headKey(id)))!.json()) as Head;
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(((await response.json()) as ErrorBody).error.code).toBe(code);
}

/**
 * How many live winners of share `id` lie in segments the stream pass reads by range: those after the first
 * `KEEP_SEGMENT_BYTES` of segments in head order, as `openShare` keeps them.
 */
async function winnersReadByRange(id: string): Promise<number> {
  const current = await head(id);
  const latest = new Map<string, { seq: number; ranged: boolean; removed: boolean }>();
  let kept = 0;
  for (const info of current.segments) {
    const object = await env.SHARES.get(sharePrefix(id) + info.name);
    const keep = kept + object!.size <= KEEP_SEGMENT_BYTES;
    if (keep) kept += object!.size;
    for (const entry of ((await object!.json()) as Segment).entries as (
      | Entry
      | { key: string; seq: number; removed: true }
    )[]) {
      if ((latest.get(entry.key)?.seq ?? -1) < entry.seq) {
        latest.set(entry.key, { seq: entry.seq, ranged: !keep, removed: "removed" in entry });
      }
    }
  }
  for (const entry of current.tail) {
    // The reader keeps a segment's place for an entry the tail repeats at the same seq (a header entry).
    if ((latest.get(entry.key)?.seq ?? -1) < entry.seq) {
      latest.set(entry.key, { seq: entry.seq, ranged: false, removed: false });
    }
  }
  return [...latest.values()].filter((winner) => winner.ranged && !winner.removed).length;
}

/** The worker answering `path` with `bucket` in place of its R2 binding (the Durable Object keeps the real one). */
async function callWith(bucket: R2Bucket, path: string, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(ORIGIN + path, { headers }), { ...env, SHARES: bucket }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** The real R2 binding, with `get` and `head` failing for keys `fails` selects (as R2 does when it is down). */
function failing(fails: (key: string, method: "get" | "head") => boolean): R2Bucket {
  return new Proxy(env.SHARES, {
    get(target, property) {
      if (property === "get" || property === "head") {
        return (key: string, options?: R2GetOptions) => {
          if (fails(key, property)) return Promise.reject(new Error("injected R2 failure"));
          return property === "get" ? target.get(key, options) : target.head(key);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** A share whose R2 state is one segment plus an inline tail, with a blob; flushed. */
async function shareWithSegment() {
  const share = await createShare();
  const batch = Array.from({ length: 5 }, (_, i) => part(`prt_${i}`, "s".repeat(64 * 1024)));
  await sync(share, [...batch, part("prt_big", "B".repeat(INLINE_ITEM_MAX_BYTES + 1))]);
  await runDurableObjectAlarm(roomOf(share.id));
  await sync(share, [part("prt_tail", "in the tail")]);
  await runDurableObjectAlarm(roomOf(share.id));
  const written = await head(share.id);
  expect(written.segments).toHaveLength(1);
  expect(written.tail).toHaveLength(1);
  return { share, head: written };
}

describe("streamed reads", () => {
  it.each(CAPTURES)(
    "answer byte for byte what the in-memory reads answered, for the capture $name",
    async (capture) => {
      const share = await createShare();
      for (const batch of capture.batches) expect((await sync(share, batch)).status).toBe(200);
      await call("GET", `/api/share/${share.id}/data`); // makes the room flush
      await expectSameAsInMemory(share.id);
    },
  );

  // About 10 MiB through the room's ingest (redaction included): slow on a loaded 2-core machine.
  it("answer the same over many segments read by range, blobs and keys re-sent across segments", {
    timeout: 180_000,
  }, async () => {
    const share = await createShare();
    const next = random(7);
    const ids: string[] = [];
    // About 10 MiB in all, so some segments are read back by range (over KEEP_SEGMENT_BYTES) rather than kept.
    for (let round = 0; round < 12; round++) {
      const batch = Array.from({ length: 16 }, () => {
        const id = `prt_${Math.floor(next() * 1e9).toString(36)}`;
        ids.push(id);
        // Quotes, backslashes, brackets and non-ASCII inside strings must not confuse the segment scanner.
        return part(id, `${id} "}]\\ ✓ {[" `.repeat(2_500), `msg_${Math.floor(next() * 4)}`);
      });
      // Earlier keys change again, so stale copies stay behind in older segments.
      const again = ids.slice(0, 3).map((id) => part(id, `round ${round}`, "msg_0"));
      await sync(share, [...batch, ...again]);
      await runDurableObjectAlarm(roomOf(share.id));
    }
    await sync(share, [part("prt_big", "B".repeat(INLINE_ITEM_MAX_BYTES + 1), "msg_2")]);
    await sync(share, [
      { type: "session", data: { id: "ses_1", title: "big", time: { created: 1, updated: 2 } } },
      ...[0, 1, 2, 3].map((n) => ({ type: "message", data: { id: `msg_${n}`, role: "assistant" } })),
    ]);
    await runDurableObjectAlarm(roomOf(share.id));
    expect((await head(share.id)).segments.length).toBeGreaterThan(1);
    await expectSameAsInMemory(share.id);
    let ranged = 0;
    const counting = new Proxy(env.SHARES, {
      get(target, property) {
        if (property === "get") {
          return (key: string, options?: R2GetOptions) => {
            if (options?.range) ranged++;
            return target.get(key, options);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const snapshot = await callWith(counting, `/api/share/${share.id}/snapshot`);
    expect(await snapshot.text()).toBe(JSON.stringify(await inMemorySnapshot(env.SHARES, share.id)));
    expect(ranged).toBeGreaterThan(1);
    // Winners of one batch that lie close together in a segment share a GET: fewer GETs than winners read by range
    // (one GET per winner before batching; 131 winners in 82 GETs here). The next test bounds the coalescing itself.
    expect(ranged).toBeLessThan(await winnersReadByRange(share.id));
  });

  it("read winners spread over many segments in a few coalesced ranged GETs, not one per entry", async () => {
    const id = `spread${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    // Keys dealt round-robin over 18 segments of 1 MiB: key order visits every segment in turn, and all but the
    // first KEEP_SEGMENT_BYTES of segments are read back by range.
    const segmentCount = 18;
    const perSegment = 64;
    const text = "w".repeat(16 * 1024);
    const infos: SegmentInfo[] = [];
    for (let s = 0; s < segmentCount; s++) {
      const lo = s * perSegment;
      const hi = lo + perSegment;
      const entries = Array.from({ length: perSegment }, (_, j) => {
        const key = `prt_${String(j * segmentCount + s).padStart(5, "0")}`;
        return { key: `part/msg_1/${key}`, seq: lo + j + 1, item: part(key, text) };
      });
      const body = JSON.stringify({ lo, hi, entries });
      const name = segmentName(lo, hi);
      await env.SHARES.put(sharePrefix(id) + name, body);
      infos.push({ name, lo, hi, bytes: body.length });
    }
    const seq = segmentCount * perSegment + 1;
    const tail = [{ key: "message/msg_1", seq, item: { type: "message", data: { id: "msg_1", role: "user" } } }];
    const stored: Head = {
      version: 1,
      id,
      createdAt: 1,
      updatedAt: 2,
      seq,
      segments: infos,
      tail: tail as Head["tail"],
    };
    await env.SHARES.put(headKey(id), JSON.stringify(stored), { customMetadata: { seq: String(seq) } });
    let ranged = 0;
    let rangedBytes = 0;
    const counting = new Proxy(env.SHARES, {
      get(target, property) {
        if (property === "get") {
          return (key: string, options?: R2GetOptions) => {
            if (options?.range) {
              ranged++;
              rangedBytes += (options.range as { length: number }).length;
            }
            return target.get(key, options);
          };
        }
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const shareBytes = infos.reduce((sum, info) => sum + info.bytes, 0);
    let keptBytes = 0;
    const rangedInfos = infos.filter((info) => {
      if (keptBytes + info.bytes > KEEP_SEGMENT_BYTES) return true;
      keptBytes += info.bytes;
      return false;
    });
    const rangedSegments = rangedInfos.length;
    const rangedSegmentBytes = rangedInfos.reduce((sum, info) => sum + info.bytes, 0);
    // The snapshot streams every entry; the legacy share_data reads the items by key range (`/data` streams the
    // same way, but asks the room first, which a share written by hand has not).
    for (const path of [`/api/share/${id}/snapshot`, `/share_data?id=${id}`]) {
      ranged = 0;
      rangedBytes = 0;
      const response = await callWith(counting, path);
      const expected = path.startsWith("/share_data")
        ? inMemoryShareData(env.SHARES, id)
        : inMemorySnapshot(env.SHARES, id);
      expect(await response.text()).toBe(JSON.stringify(await expected));
      // Every segment after the first KEEP_SEGMENT_BYTES is read by range, in one coalesced GET per batch at most:
      // 306 here for 17 segments in 18 batches of 1 MiB (704 before batching, about one per entry).
      expect(ranged).toBeGreaterThan(0);
      expect(ranged).toBeLessThanOrEqual(rangedSegments * Math.ceil(rangedSegmentBytes / STREAM_BATCH_BYTES));
      // Each byte of a segment read by range is read about once.
      expect(rangedBytes).toBeLessThanOrEqual(shareBytes);
    }
  });

  it("take the highest seq per key across segments and tail and leave out removed keys", async () => {
    const id = `handwritten${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const item = (text: string) => part("prt_1", text);
    const segment = {
      lo: 0,
      hi: 4,
      entries: [
        { key: "part/msg_1/prt_1", seq: 1, item: item("old") },
        { key: "part/msg_1/prt_2", seq: 2, item: part("prt_2", "removed later") },
        { key: "message/msg_1", seq: 3, item: { type: "message", data: { id: "msg_1", role: "user" } } },
        { key: "part/msg_1/prt_3", seq: 4, removed: true },
      ],
    };
    const name = segmentName(0, 4);
    const body = JSON.stringify(segment);
    await env.SHARES.put(sharePrefix(id) + name, body);
    const tail = [
      { key: "part/msg_1/prt_1", seq: 5, item: item("new") },
      { key: "part/msg_1/prt_2", seq: 6, removed: true },
      { key: "part/msg_1/prt_3", seq: 7, item: part("prt_3", "back after its removal") },
    ];
    const stored: Head = {
      version: 1,
      id,
      createdAt: 1,
      updatedAt: 2,
      seq: 7,
      segments: [{ name, lo: 0, hi: 4, bytes: body.length } satisfies SegmentInfo],
      tail: tail as Head["tail"],
    };
    await env.SHARES.put(headKey(id), JSON.stringify(stored), { customMetadata: { seq: "7" } });
    const snapshot = (await (await call("GET", `/api/share/${id}/snapshot`)).json()) as ShareSnapshot;
    expect(snapshot.entries.map((entry) => [entry.key, entry.seq])).toEqual([
      ["message/msg_1", 3],
      ["part/msg_1/prt_1", 5],
      ["part/msg_1/prt_3", 7],
    ]);
    const legacy = (await (await call("GET", `/share_data?id=${id}`)).json()) as {
      messages: Record<string, { parts: { text: string }[] }>;
    };
    expect(legacy.messages.msg_1!.parts.map((p) => p.text)).toEqual(["new", "back after its removal"]);
  });
});

describe("the segment scanner", () => {
  it("finds each entry's exact bytes however the segment is split into chunks", async () => {
    const entries = [
      { key: "part/m/a", seq: 1, item: { type: "part", data: { text: 'a "quoted" } ] \\ \u0000 ✓ 🎉' } } },
      { key: 'k"}', seq: 2, removed: true },
      { key: "part/m/b", seq: 3, ref: { hash: "0".repeat(64), bytes: 5, type: "part:text" } },
    ];
    const text = `{ "lo" : 0, "note": "entries: [not these]", "hi":3,\n "entries" : [ ${entries.map((e) => JSON.stringify(e)).join(" ,\n")} ] }`;
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 7, 64, bytes.length]) {
      const found: unknown[] = [];
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let at = 0; at < bytes.length; at += size) controller.enqueue(bytes.slice(at, at + size));
          controller.close();
        },
      });
      await scanEntries(stream, (entry, start, end) => {
        expect(new TextDecoder().decode(bytes.subarray(start, end))).toBe(new TextDecoder().decode(entry));
        found.push(JSON.parse(new TextDecoder().decode(entry)));
      });
      expect(found, `chunks of ${size}`).toEqual(entries);
    }
  });

  it("find an entry's key, seq, tombstone and blob from its first bytes as from the whole entry, in any field order", () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const long = "x".repeat(4_000);
    const rows = [
      {
        key: "part/msg_1/prt_1",
        seq: 7,
        body: JSON.stringify(part("prt_1", long)),
        ref: null,
        epoch: 3,
        removed: 0,
        progress: null,
      },
      {
        key: "message/msg_1",
        seq: 8,
        body: null,
        ref: JSON.stringify({ hash: "a".repeat(64), bytes: 9, type: "message" }),
        epoch: null,
        removed: 0,
        progress: "[1,2]",
      },
      { key: 'odd"key\\', seq: 9, body: null, ref: null, epoch: null, removed: 1, progress: null },
    ];
    const expected = [
      { key: "part/msg_1/prt_1", seq: 7, removed: false, blob: undefined },
      { key: "message/msg_1", seq: 8, removed: false, blob: "a".repeat(64) },
      { key: 'odd"key\\', seq: 9, removed: true, blob: undefined },
    ];
    for (const [index, row] of rows.entries()) {
      const written = storedEntryJson(row);
      const parsed = JSON.parse(written) as Record<string, unknown>;
      // The same entry with its fields in another order (a hand-written segment) is parsed whole instead.
      const reordered = JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()));
      expect(entryPlace(encode(written))).toEqual(expected[index]);
      expect(entryPlace(encode(reordered))).toEqual(expected[index]);
    }
  });
});

describe("missing or failing storage", () => {
  it("answers 503 storage_unavailable with Retry-After when a segment the head names is missing", async () => {
    const { share, head: written } = await shareWithSegment();
    const key = sharePrefix(share.id) + written.segments[0]!.name;
    const saved = await (await env.SHARES.get(key))!.arrayBuffer();
    await env.SHARES.delete(key);
    for (const path of [
      `/api/share/${share.id}/snapshot`,
      `/api/share/${share.id}/data`,
      `/share_data?id=${share.id}`,
    ]) {
      const response = await call("GET", path);
      await expectError(response.clone(), 503, "storage_unavailable");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    await expectError(
      await call("GET", `/api/share/${share.id}/${written.segments[0]!.name}`),
      404,
      "segment_not_found",
    );
    // Once the object is back, the same reads answer in full.
    await env.SHARES.put(key, saved);
    expect((await call("GET", `/api/share/${share.id}/snapshot`)).status).toBe(200);
    expect((await call("GET", `/api/share/${share.id}/data`)).status).toBe(200);
  });

  it("answers 503 when a blob the share references is missing, before sending any item", async () => {
    const { share } = await shareWithSegment();
    const listed = await env.SHARES.list({ prefix: `${sharePrefix(share.id)}blobs/` });
    expect(listed.objects).toHaveLength(1);
    await env.SHARES.delete(listed.objects[0]!.key);
    await expectError(await call("GET", `/api/share/${share.id}/data`), 503, "storage_unavailable");
    await expectError(await call("GET", `/share_data?id=${share.id}`), 503, "storage_unavailable");
  });

  it("answers 503 for a head that cannot be parsed, and for a share the room holds whose head is gone", async () => {
    const share = await createShare();
    await sync(share, [part("prt_1", "hello")]);
    await call("GET", `/api/share/${share.id}/data`);
    await env.SHARES.put(headKey(share.id), '{"version":1,"tail":[', { customMetadata: { seq: "1" } });
    await expectError(await call("GET", `/api/share/${share.id}/snapshot`), 503, "storage_unavailable");
    await env.SHARES.delete(headKey(share.id));
    await expectError(await call("GET", `/api/share/${share.id}/data`), 503, "storage_unavailable");
  });

  it("answers 503 on every read while R2 fails, and 200 again once it is back", async () => {
    const { share, head: written } = await shareWithSegment();
    const down = failing(() => true);
    const blobs = await env.SHARES.list({ prefix: `${sharePrefix(share.id)}blobs/` });
    const hash = blobs.objects[0]!.key.slice(-"0".repeat(64).length - ".json".length, -".json".length);
    const paths = [
      `/api/share/${share.id}`,
      `/api/share/${share.id}/head`,
      `/api/share/${share.id}/${written.segments[0]!.name}`,
      `/api/share/${share.id}/snapshot`,
      `/api/share/${share.id}/data`,
      `/api/share/${share.id}/blob/${hash}`,
      `/share_data?id=${share.id}`,
    ];
    for (const path of paths) {
      const response = await callWith(down, path);
      expect(response.headers.get("retry-after"), path).not.toBeNull();
      await expectError(response, 503, "storage_unavailable");
    }
    for (const path of paths) expect((await callWith(env.SHARES, path)).status, path).toBe(200);
  });

  it("fails the body, never ends it early, when R2 fails after the answer has started", async () => {
    const { share } = await shareWithSegment();
    // HEADs (the blob check before the answer) pass; the blob's GET, made mid-body, fails.
    const response = await callWith(
      failing((key, method) => method === "get" && key.includes("/blobs/")),
      `/api/share/${share.id}/data`,
    );
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });
});

describe("the page's reads", () => {
  it("serves the head as stored with an ETag from its seq, 304 for a client that holds it, a new ETag after a flush", async () => {
    const { share } = await shareWithSegment();
    const response = await call("GET", `/api/share/${share.id}/head`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const etag = response.headers.get("etag")!;
    expect(etag).toMatch(/^"7-/);
    expect(await response.text()).toBe(await (await env.SHARES.get(headKey(share.id)))!.text());
    const again = await call("GET", `/api/share/${share.id}/head`, undefined, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    await sync(share, [part("prt_more", "more")]);
    await runDurableObjectAlarm(roomOf(share.id));
    const changed = await call("GET", `/api/share/${share.id}/head`, undefined, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("serves each segment the head names, immutable, with a strong ETag and 304", async () => {
    const { share, head: written } = await shareWithSegment();
    const info = written.segments[0]!;
    const response = await call("GET", `/api/share/${share.id}/${info.name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = response.headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    const segment = (await response.json()) as { lo: number; hi: number; entries: unknown[] };
    expect(segment).toMatchObject({ lo: info.lo, hi: info.hi });
    expect(segment.entries.length).toBeGreaterThan(0);
    const again = await call("GET", `/api/share/${share.id}/${info.name}`, undefined, { "if-none-match": etag });
    expect(again.status).toBe(304);
    await expectError(
      await call("GET", `/api/share/${share.id}/segments/000000000000-000000000001.json`),
      404,
      "segment_not_found",
    );
  });

  /** A new share holding `batch` in one segment (flushed), and that segment read whole and with `?newest`. */
  async function segmentAndNewest(batch: Parameters<typeof sync>[1]) {
    const share = await createShare();
    await sync(share, batch);
    await runDurableObjectAlarm(roomOf(share.id));
    const info = (await head(share.id)).segments[0]!;
    const whole = await (await call("GET", `/api/share/${share.id}/${info.name}`)).text();
    const response = await call("GET", `/api/share/${share.id}/${info.name}?newest`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const newest = JSON.parse(text) as Segment & { newest?: boolean };
    return { share, info, whole, all: (JSON.parse(whole) as Segment).entries, response, text, newest };
  }

  it("serves a segment's newest entries with ?newest: its stored bytes from the first whole entry in its last 256 KiB", async () => {
    const { share, info, whole, all, response, text, newest } = await segmentAndNewest(
      Array.from({ length: 40 }, (_, i) => part(`prt_${i}`, `${i} `.repeat(8 * 1024))),
    );
    expect(whole.length).toBeGreaterThan(NEWEST_ENTRIES_BYTES);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(newest).toMatchObject({ lo: info.lo, hi: info.hi, newest: true });
    // The newest entries that fit, whole, in their stored bytes: the full segment ends with exactly them.
    expect(newest.entries.length).toBeGreaterThanOrEqual(8);
    expect(newest.entries.length).toBeLessThan(all.length);
    expect(newest.entries).toEqual(all.slice(-newest.entries.length));
    const entriesText = text.slice(text.indexOf('"entries":[') + '"entries":['.length);
    expect(whole.endsWith(`,${entriesText}`)).toBe(true);
    expect(entriesText.length).toBeLessThanOrEqual(NEWEST_ENTRIES_BYTES);
    await expectError(
      await call("GET", `/api/share/${share.id}/segments/000000000000-000000000001.json?newest`),
      404,
      "segment_not_found",
    );
  });

  it("answers ?newest with the whole segment when it is small, or when no entry starts in its last bytes", async () => {
    const small = await segmentAndNewest([part("prt_a", "a"), part("prt_b", "b".repeat(20 * 1024))]);
    expect(small.text).toBe(small.whole);
    // The last item is as large as an inline item may be: with its entry's key and seq, more than the second try's
    // 1 MiB, so no entry starts in the last bytes read.
    const fill = INLINE_ITEM_MAX_BYTES - JSON.stringify(part("prt_b", "")).length;
    const large = await segmentAndNewest([part("prt_a", "a".repeat(64 * 1024)), part("prt_b", "b".repeat(fill))]);
    expect(large.whole.length).toBeGreaterThan(4 * NEWEST_ENTRIES_BYTES);
    expect(large.text).toBe(large.whole);
  });

  it("reads the last 1 MiB for ?newest when the last 256 KiB hold fewer than 8 entries (large tool outputs)", async () => {
    const small = Array.from({ length: 12 }, (_, i) => part(`prt_s${i}`, `${i} `.repeat(1024)));
    const { all, newest } = await segmentAndNewest([
      part("prt_old", "o".repeat(800 * 1024)),
      ...small,
      part("prt_big", "b".repeat(300 * 1024)),
    ]);
    expect(newest.newest).toBe(true);
    // Everything after prt_old, which starts before the last 1 MiB.
    expect(newest.entries).toEqual(all.slice(-13));
  });

  it("passes over an item's own list of {key, …} objects that imitates an entry start in ?newest", async () => {
    // The suffix begins inside prt_b's long text; its first `,{"key":"` is inside prt_b's own list, not an entry.
    const imitation = Array.from({ length: 3 }, (_, i) => ({ key: `part/msg_1/prt_${i}`, seq: 2 }));
    const { all, newest } = await segmentAndNewest([
      // Over 1 MiB in all, so that the second try (the last 1 MiB) is a suffix too, and holds prt_b's start.
      part("prt_a", "a".repeat(700 * 1024)),
      {
        type: "part",
        data: { id: "prt_b", messageID: "msg_1", type: "text", text: "b".repeat(400 * 1024), list: imitation },
      },
    ]);
    expect(newest.newest).toBe(true);
    expect(newest.entries).toEqual(all.slice(-1));
    expect(newest.entries[0]!.key).toBe("part/msg_1/prt_b");
    expect(JSON.stringify(newest.entries[0])).toContain(',{"key":"part/msg_1/prt_1"');
  });

  it("gives the snapshot an ETag and answers 304 without reading the segments", async () => {
    const { share } = await shareWithSegment();
    const response = await call("GET", `/api/share/${share.id}/snapshot`);
    expect(response.headers.get("x-shareroom-r2-reads")).toBe("2");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const etag = response.headers.get("etag")!;
    expect(etag).toBe((await call("GET", `/api/share/${share.id}/head`)).headers.get("etag"));
    const again = await call("GET", `/api/share/${share.id}/snapshot`, undefined, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    await sync(share, [part("prt_more", "more")]);
    await runDurableObjectAlarm(roomOf(share.id));
    expect((await call("GET", `/api/share/${share.id}/snapshot`, undefined, { "if-none-match": etag })).status).toBe(
      200,
    );
  });

  it("answers 404 for the head, segments and snapshot of a deleted share", async () => {
    const { share, head: written } = await shareWithSegment();
    expect((await call("DELETE", `/api/share/${share.id}`, { secret: share.secret })).status).toBe(200);
    await expectError(await call("GET", `/api/share/${share.id}/head`), 404, "share_not_found");
    await expectError(await call("GET", `/api/share/${share.id}/snapshot`), 404, "share_not_found");
    await expectError(
      await call("GET", `/api/share/${share.id}/${written.segments[0]!.name}`),
      404,
      "segment_not_found",
    );
  });
});

describe("client-chosen ids", () => {
  it("keeps messages with ids such as constructor and __proto__, with their parts, in /share_data and /data", async () => {
    const share = await createShare();
    const ids = ["constructor", "__proto__", "toString", "msg_1"];
    await sync(share, [
      ...ids.map((id) => ({ type: "message", data: { id, role: "user" } })),
      ...ids.map((id) => part(`prt_${id}`, `text of ${id}`, id)),
    ]);
    const data = await call("GET", `/api/share/${share.id}/data`);
    expect(data.status).toBe(200);
    expect(((await data.json()) as unknown[]).length).toBe(8);
    const response = await call("GET", `/share_data?id=${share.id}`);
    expect(response.status).toBe(200);
    const legacy = JSON.parse(await response.text()) as { messages: Record<string, { parts: { text: string }[] }> };
    expect(Object.keys(legacy.messages).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      expect(Object.hasOwn(legacy.messages, id)).toBe(true);
      expect(legacy.messages[id]!.parts.map((p) => p.text)).toEqual([`text of ${id}`]);
    }
  });
});
