/** Diff parsing and layout (`lib/diff.ts`) with jsdiff, on the recorded edit's patch. */
import * as jsdiff from "diff";
import { describe, expect, it } from "vitest";
import { diagnosticsOf, parseDiff, roughLines, splitRows } from "../../src/lib/diff";
import { recordedTool, synthetic } from "../fixtures/items";

const patch = (recordedTool("edit").state as { metadata: { diff: string } }).metadata.diff;

describe("diffs", () => {
  it("numbers a recorded patch's lines and counts them as the CLI did (+42 −4)", () => {
    const parsed = parseDiff(jsdiff, { patch })!;
    expect(parsed.additions).toBe(42);
    expect(parsed.deletions).toBe(4);
    const firstDel = parsed.lines.find((line) => line.kind === "del")!;
    expect(firstDel.oldLine).toBe(11);
    expect(firstDel.text).toBe("  return text");
  });

  it("gives the same lines without jsdiff (no numbers), so the diff has its height before jsdiff loads", () => {
    const rough = roughLines(patch);
    const parsed = parseDiff(jsdiff, { patch })!;
    expect(rough.map((line) => line.kind)).toEqual(parsed.lines.map((line) => line.kind));
  });

  it("diffs whole contents (the older FileDiff shape) and pairs changed lines side by side", () => {
    const parsed = parseDiff(jsdiff, { before: "a\nb\nc\n", after: "a\nB\nc\nd\n" })!;
    expect(parsed.additions).toBe(2);
    expect(parsed.deletions).toBe(1);
    const rows = splitRows(parsed.lines).filter((row) => row.kind === "pair");
    const changed = rows.find((row) => row.left?.kind === "del")!;
    expect(changed.left?.text).toBe("b");
    expect(changed.right?.text).toBe("B");
    expect(rows.some((row) => row.left === undefined && row.right?.text === "d")).toBe(true);
  });

  it("reads LSP diagnostics, 1-based, errors first, errors and warnings only", () => {
    const metadata = (synthetic.applyPatch.state as { metadata: unknown }).metadata;
    const found = diagnosticsOf(metadata, []);
    expect(found.map((d) => [d.severity, d.line, d.column])).toEqual([
      ["error", 5, 27],
      ["warning", 3, 9],
    ]);
  });
});
