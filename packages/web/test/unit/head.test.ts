/**
 * Reading a share from its head and segments: whatever order the head's tail and the segments arrive in, the store
 * ends holding exactly what reading every change in seq order gives (highest seq per key, removals dropping keys),
 * and segments are read newest first, never twice.
 */
import type { Entry } from "@shareroom/shared";
import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { LoadError } from "../../src/lib/api";
import { parseHead, type SegmentRef, segmentsToRead } from "../../src/lib/head";
import { createShareStore, type StoredEntry } from "../../src/lib/share-store";

/** A small deterministic PRNG (mulberry32), so a failing order can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A share's history: `count` changes (some removals) over a few messages and parts, seqs 1..count. */
function history(next: () => number, count: number): StoredEntry[] {
  const keys = [
    "session",
    "message/msg_1",
    "message/msg_2",
    "part/msg_1/prt_a",
    "part/msg_1/prt_b",
    "part/msg_2/prt_c",
  ];
  return Array.from({ length: count }, (_, i): StoredEntry => {
    const key = keys[Math.floor(next() * keys.length)]!;
    const seq = i + 1;
    if (key !== "session" && next() < 0.15) return { key, seq, removed: true };
    const [kind, messageID, id] = key.split("/");
    const data =
      kind === "part"
        ? { id, messageID, type: "text", text: `v${seq}` }
        : kind === "message"
          ? { id: messageID, role: "user", v: seq }
          : { id: "ses_1", v: seq };
    return { key, seq, item: { type: kind!, data } } satisfies Entry;
  });
}

/** What the store holds after applying `batches` in order (its items, as the export gives them). */
function held(batches: StoredEntry[][]): unknown {
  return createRoot((dispose) => {
    const store = createShareStore();
    for (const entries of batches) store.apply(entries);
    const items = store.items();
    const ids = store.messageIds();
    dispose();
    return { items, ids };
  });
}

/** Cuts a history into segments of about `size` seqs and a tail (the newest changes), as a head lists them. */
function cut(entries: StoredEntry[], size: number): { tail: StoredEntry[]; segments: StoredEntry[][] } {
  const segments: StoredEntry[][] = [];
  for (let start = 0; start < entries.length; start += size) segments.push(entries.slice(start, start + size));
  const tail = segments.pop() ?? [];
  return { tail, segments };
}

describe("reading a share from its head and segments", () => {
  it("ends as reading every change in seq order, for tail first and segments newest first or in any order", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const entries = history(next, 5 + Math.floor(next() * 60));
      const expected = held([entries]);
      const { tail, segments } = cut(entries, 1 + Math.floor(next() * 10));
      expect(held([tail, ...[...segments].reverse()]), `seed ${seed}, newest first`).toEqual(expected);
      const shuffled = [...segments].sort(() => next() - 0.5);
      expect(held([tail, ...shuffled]), `seed ${seed}, shuffled`).toEqual(expected);
      // A live change newer than the head, applied before the old segments arrive, is never overwritten.
      const live = entries.slice(-1).map((entry) => ({ ...entry, seq: entries.length + 1 }));
      const withLive = held([...[entries], live]);
      expect(held([tail, live, ...shuffled]), `seed ${seed}, live first`).toEqual(withLive);
    }
  });

  it("reads segments newest first and skips the seqs already read", () => {
    const segments: SegmentRef[] = [
      { name: "segments/1-100.json", lo: 1, hi: 100, bytes: 10 },
      { name: "segments/201-300.json", lo: 201, hi: 300, bytes: 10 },
      { name: "segments/101-200.json", lo: 101, hi: 200, bytes: 10 },
    ];
    expect(segmentsToRead(segments, []).map((segment) => segment.hi)).toEqual([300, 200, 100]);
    expect(segmentsToRead(segments, [[201, 300]]).map((segment) => segment.hi)).toEqual([200, 100]);
    // After compaction merged two read segments into one, the merged one is not read again.
    expect(
      segmentsToRead(
        [{ name: "segments/101-300.json", lo: 101, hi: 300, bytes: 20 }],
        [
          [101, 200],
          [201, 300],
        ],
      ),
    ).toEqual([{ name: "segments/101-300.json", lo: 101, hi: 300, bytes: 20 }]);
  });

  it("parses a head with tombstones in its tail and refuses a body that is not a head", () => {
    const head = parseHead({
      version: 1,
      id: "abc",
      createdAt: 1,
      updatedAt: 2,
      seq: 9,
      segments: [{ name: "segments/1-5.json", lo: 1, hi: 5, bytes: 300 }],
      tail: [
        { key: "session", seq: 8, item: { type: "session", data: { id: "ses_1" } } },
        { key: "message/msg_1", seq: 9, removed: true },
      ],
    });
    expect(head.seq).toBe(9);
    expect(head.tail[1]).toEqual({ key: "message/msg_1", seq: 9, removed: true });
    expect(() => parseHead({ entries: [] })).toThrow(LoadError);
    expect(() => parseHead({ seq: 1, segments: [], tail: [{ key: "x" }] })).toThrow(LoadError);
  });
});
