/** Replays real opencode CLI traffic (fixtures/) and compares the stored share with what the merge rule gives. */
import { type Item, itemKey, stripPrivateFields } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { CAPTURES, createShare, shuffled, storedItems, sync } from "./helpers";

function expected(final: Item[]): Map<string, Item> {
  return new Map(final.map((item) => [itemKey(item), stripPrivateFields(item)]));
}

describe.each(CAPTURES)("the recorded CLI traffic of $name", (capture) => {
  it("replayed in arrival order, stores exactly the recorder's final items", async () => {
    const share = await createShare();
    for (const batch of capture.batches) expect((await sync(share, batch)).status).toBe(200);
    expect(await storedItems(share.id)).toEqual(expected(capture.final));
  });

  it("replayed fully overlapped (every batch in flight at once), loses nothing", async () => {
    const share = await createShare();
    const responses = await Promise.all(capture.batches.map((batch) => sync(share, batch)));
    expect(responses.map((response) => response.status)).toEqual(capture.batches.map(() => 200));
    expect(await storedItems(share.id)).toEqual(expected(capture.final));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "replayed in shuffled order (seed %i), converges on the same final items",
    async (seed) => {
      const share = await createShare();
      for (const batch of shuffled(capture.batches, seed)) expect((await sync(share, batch)).status).toBe(200);
      expect(await storedItems(share.id)).toEqual(expected(capture.final));
    },
  );

  it("replayed in reverse order, never moves a tool back from completed to running", async () => {
    const share = await createShare();
    for (const batch of [...capture.batches].reverse()) await sync(share, batch);
    const stored = await storedItems(share.id);
    expect(stored).toEqual(expected(capture.final));
    const tools = [...stored.values()].filter(
      (item) => item.type === "part" && (item.data as { type: string }).type === "tool",
    );
    expect(tools.length).toBeGreaterThan(0);
    for (const tool of tools) expect((tool.data as { state: { status: string } }).state.status).toBe("completed");
  });
});
