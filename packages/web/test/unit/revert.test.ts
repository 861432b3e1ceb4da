/**
 * Revert (opencode's `/undo`): which messages count as reverted, and that their changes leave the share's totals.
 */
import { describe, expect, it } from "vitest";
import { filesChanged, isReverted, revertedChanges, revertOf } from "../../src/lib/session";
import { buildShareMarkdown } from "../../src/lib/share-markdown";
import { recorded, revertedCapture } from "../fixtures/items";

const users = (items: { type: string; data: Record<string, unknown> }[]) =>
  items.filter((item) => item.type === "message" && item.data.role === "user").map((item) => item.data);
const sessionOf = (items: { type: string; data: Record<string, unknown> }[]) =>
  items.find((item) => item.type === "session")!.data;
const sessionDiffOf = (items: { type: string; data: unknown }[]) =>
  items.find((item) => item.type === "session_diff")?.data;

describe("revert", () => {
  it("reverts the named message and every later one, nothing before it", () => {
    const revert = revertOf({ revert: { messageID: "msg_b", snapshot: "x" } });
    expect(isReverted("msg_a", revert)).toBe(false);
    expect(isReverted("msg_b", revert)).toBe(true);
    expect(isReverted("msg_c", revert)).toBe(true);
    expect(revertOf({ revert: null })).toBeUndefined();
    expect(isReverted("msg_c", undefined)).toBe(false);
  });

  it("leaves the reverted turn's changes out of the files changed, and counts them as undone", () => {
    const before = filesChanged(sessionDiffOf(recorded()), users(recorded()));
    const { items } = revertedCapture();
    const revert = revertOf(sessionOf(items));
    const after = filesChanged(sessionDiffOf(items), users(items), revert);
    const undone = revertedChanges(sessionDiffOf(items), users(items), revert!);
    const firstTurnOnly = filesChanged(undefined, users(items).slice(0, 1));
    expect(undone.files.length).toBeGreaterThan(0);
    expect(after).toEqual(firstTurnOnly);
    expect(after.additions).toBeLessThan(before.additions);
  });

  it("marks the reverted messages in the markdown export and keeps their changes out of its totals", () => {
    const { items } = revertedCapture();
    const markdown = buildShareMarkdown(items as never);
    const marker = markdown.indexOf("**Reverted**");
    expect(marker).toBeGreaterThan(0);
    const after = filesChanged(sessionDiffOf(items), users(items), revertOf(sessionOf(items)));
    expect(markdown).toContain(`Files changed: ${after.files.length} (+${after.additions.toLocaleString("en-US")}`);
  });
});
