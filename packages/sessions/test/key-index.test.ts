/**
 * Segment key indexes (`src/storage/keys.ts`): every segment the room writes has one that describes it exactly, and
 * the reads that merge them answer byte for byte what the reads that scan the segments answer — which a share
 * written before key indexes still gets.
 */
import { env } from "cloudflare:test";
import { INLINE_ITEM_MAX_BYTES } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { KEYS_BLOCK_BYTES, type KeysHeader } from "../src/storage/keys";
import { type Head, headKey, type SegmentInfo, segmentKeysName, sharePrefix } from "../src/storage/layout";
import { CAPTURES, call, createShare, sync } from "./helpers";
import { expectSameAsInMemory } from "./in-memory-reads";
import { head, settle, tickAt } from "./room-helpers";

const part = (id: string, text: string, messageID = "msg_1") => ({
  type: "part",
  data: { id, messageID, type: "text", text },
});
const message = (id: string) => ({ type: "message", data: { id, role: "assistant" } });

/** Rewrites the head as a release before key indexes wrote it: no `keys` or `blobs` on its segments. */
async function withoutKeyIndexes(id: string): Promise<void> {
  const current = await head(id);
  const segments = current.segments.map(({ name, lo, hi, bytes }) => ({ name, lo, hi, bytes }));
  await env.SHARES.put(headKey(id), JSON.stringify({ ...current, segments } satisfies Head));
}

/** Both read paths answer as the in-memory reads do: through the key indexes, then scanning the segments. */
async function expectBothPathsRight(id: string) {
  const current = await head(id);
  expect(current.segments.length).toBeGreaterThan(0);
  expect(current.segments.every((segment) => typeof segment.keys === "number")).toBe(true);
  await expectSameAsInMemory(id);
  await withoutKeyIndexes(id);
  await expectSameAsInMemory(id);
}

/** The key index of `segment`, parsed: its header and its lines. */
async function keyIndex(id: string, segment: SegmentInfo) {
  const object = await env.SHARES.get(sharePrefix(id) + segmentKeysName(segment.name));
  expect(object).not.toBeNull();
  const [first, ...rest] = (await object!.text()).split("\n");
  expect(rest.at(-1)).toBe("");
  return {
    size: object!.size,
    header: JSON.parse(first!) as KeysHeader,
    lines: rest.slice(0, -1).map((line) => JSON.parse(line) as [string, number, number, number, number, string?]),
  };
}

describe("segment key indexes", () => {
  it("describe their segment exactly: its ETag, every entry's key, seq, kind and byte range, sorted by key", async () => {
    const share = await createShare();
    const capture = CAPTURES[0]!;
    for (const batch of capture.batches) await sync(share, batch);
    await sync(share, [part("prt_big", "B".repeat(INLINE_ITEM_MAX_BYTES + 1))]);
    await settle(share.id);
    await tickAt(share.id, Date.now() + 11 * 60_000);
    const current = await head(share.id);
    for (const segment of current.segments) {
      const object = await env.SHARES.get(sharePrefix(share.id) + segment.name);
      const bytes = new Uint8Array(await object!.arrayBuffer());
      const { size, header, lines } = await keyIndex(share.id, segment);
      expect(size).toBe(segment.keys);
      expect(header).toMatchObject({ version: 1, segment: segment.name, etag: object!.etag, entries: lines.length });
      const keys = lines.map(([key]) => key);
      expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const entries = JSON.parse(new TextDecoder().decode(bytes)).entries as { key: string; seq: number }[];
      expect(lines).toHaveLength(entries.length);
      let blobs = 0;
      for (const [key, seq, start, end, kind, blob] of lines) {
        const entry = JSON.parse(new TextDecoder().decode(bytes.subarray(start, end)));
        expect(entry).toMatchObject({ key, seq });
        expect(kind).toBe(entry.removed ? 2 : entry.ref ? 1 : 0);
        if (kind === 1) {
          expect(blob).toBe(entry.ref.hash);
          blobs++;
        }
      }
      expect(segment.blobs ?? 0).toBe(blobs);
    }
    expect(current.segments.some((segment) => (segment.blobs ?? 0) > 0)).toBe(true);
  });

  it.each(CAPTURES)(
    "are read as the segments are scanned, for the capture $name, before and after compaction",
    async (capture) => {
      const share = await createShare();
      for (const batch of capture.batches) await sync(share, batch);
      await settle(share.id);
      await expectBothPathsRight(share.id);
      // The rewritten head goes on being read; a compaction writes a new one, with key indexes again.
      const compacted = await createShare();
      for (const batch of capture.batches) await sync(compacted, batch);
      await settle(compacted.id);
      await tickAt(compacted.id, Date.now() + 11 * 60_000);
      await expectBothPathsRight(compacted.id);
    },
  );

  it("start a range at its key through their blocks, and read parts of ids with - or . on their own", async () => {
    const share = await createShare();
    // Message ids where `part/<id>/` does not sort as `message/<id>` does (`-` and `.` sort before `/`).
    const ids = ["msg_1", "msg_1-a", "msg_1.b", "msg_2"];
    const batch = ids.flatMap((id) => [
      message(id),
      ...Array.from({ length: 300 }, (_, i) => part(`prt_${String(i).padStart(3, "0")}`, `${id} ${i}`, id)),
    ]);
    for (let at = 0; at < batch.length; at += 100) await sync(share, batch.slice(at, at + 100));
    await settle(share.id);
    await tickAt(share.id, Date.now() + 11 * 60_000);
    const current = await head(share.id);
    const { header } = await keyIndex(share.id, current.segments[0]!);
    expect(header.blocks.length).toBeGreaterThan(2);
    expect(header.blocks[1]![1]).toBeGreaterThanOrEqual(KEYS_BLOCK_BYTES);
    const legacy = (await (await call("GET", `/share_data?id=${share.id}`)).json()) as {
      messages: Record<string, { parts: { text: string }[] }>;
    };
    for (const id of ids) {
      expect(legacy.messages[id]!.parts.map((p) => p.text)).toEqual(
        Array.from({ length: 300 }, (_, i) => `${id} ${i}`),
      );
    }
    await expectBothPathsRight(share.id);
  });

  it("make a read answer 503 when one is missing, as a missing segment does", async () => {
    const share = await createShare();
    for (const batch of CAPTURES[0]!.batches) await sync(share, batch);
    await settle(share.id);
    const [segment] = (await head(share.id)).segments;
    await env.SHARES.delete(sharePrefix(share.id) + segmentKeysName(segment!.name));
    for (const path of [
      `/api/share/${share.id}/data`,
      `/api/share/${share.id}/snapshot`,
      `/share_data?id=${share.id}`,
    ]) {
      const response = await call("GET", path);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).not.toBeNull();
    }
  });
});
