/**
 * Other agents' tool calls read in opencode's shapes (`lib/agent-tools.ts`): input field names, Codex's patch text,
 * Claude's structured patch, the diff an edit's metadata carries.
 */
import { describe, expect, it } from "vitest";
import { codexPatchFiles, editDiffOf, normalizeInput, structuredPatchText } from "../../src/lib/agent-tools";

describe("agent tool calls", () => {
  it("gives the agents' input fields opencode's names, never overwriting opencode's own", () => {
    expect(normalizeInput({ file_path: "/a", old_string: "x", new_string: "y" })).toEqual({
      file_path: "/a",
      old_string: "x",
      new_string: "y",
      filePath: "/a",
      oldString: "x",
      newString: "y",
    });
    expect(normalizeInput({ filePath: "/own", file_path: "/other" })).toEqual({
      filePath: "/own",
      file_path: "/other",
    });
    expect(normalizeInput({ cmd: ["ls", "-la"] })).toEqual({ cmd: ["ls", "-la"], command: "ls -la" });
    expect(normalizeInput("*** Begin Patch\n*** End Patch\n")).toEqual({
      patchText: "*** Begin Patch\n*** End Patch\n",
    });
    const untouched = { command: "ls" };
    expect(normalizeInput(untouched)).toBe(untouched);
  });

  it("reads a Codex patch as one unified diff per file, with its kind of change and counts", () => {
    const files = codexPatchFiles(
      [
        "*** Begin Patch",
        "*** Add File: hello.txt",
        "+hello",
        "*** Update File: src/a.ts",
        "*** Move to: src/b.ts",
        "@@ function f()",
        " keep",
        "-old",
        "+new",
        "@@",
        " tail",
        "+more",
        "*** Delete File: gone.txt",
        "*** End Patch",
      ].join("\n"),
    );
    expect(
      files.map(({ filePath, type, movePath, additions, deletions }) => ({
        filePath,
        type,
        movePath,
        additions,
        deletions,
      })),
    ).toEqual([
      { filePath: "hello.txt", type: "add", movePath: undefined, additions: 1, deletions: 0 },
      { filePath: "src/a.ts", type: "move", movePath: "src/b.ts", additions: 2, deletions: 1 },
      { filePath: "gone.txt", type: "delete", movePath: undefined, additions: 0, deletions: 0 },
    ]);
    expect(files[0]!.diff).toBe("--- a/hello.txt\n+++ b/hello.txt\n@@ -0,0 +1,1 @@\n+hello");
    expect(files[1]!.diff).toBe(
      "--- a/src/a.ts\n+++ b/src/b.ts\n@@ -1,2 +1,2 @@\n keep\n-old\n+new\n@@ -3,1 +3,2 @@\n tail\n+more",
    );
    expect(codexPatchFiles("not a patch")).toEqual([]);
  });

  it("turns Claude's structured patch into a unified diff, and finds each agent's diff in an edit's metadata", () => {
    const hunks = [{ oldStart: 1, oldLines: 2, newStart: 1, newLines: 2, lines: [" a", "-b", "+c"] }];
    const patch = "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c";
    expect(structuredPatchText("f.txt", hunks)).toBe(patch);
    expect(structuredPatchText("f.txt", [])).toBeUndefined();
    expect(editDiffOf({ structuredPatch: hunks }, "f.txt")).toBe(patch);
    expect(editDiffOf({ diff: "opencode", fileDiff: "gemini" }, "f.txt")).toBe("opencode");
    expect(editDiffOf({ fileDiff: "gemini" }, "f.txt")).toBe("gemini");
    expect(editDiffOf({}, "f.txt")).toBeUndefined();
  });
});
