/**
 * What the page says to readers in its own words: turn titles as plain text, error names as sentences, the files
 * tool calls changed, and which inline attachments may open in a tab (`lib/session.ts`, `lib/attachment.ts`).
 */
import { describe, expect, it } from "vitest";
import { dataUrlBytes, openableType } from "../../src/lib/attachment";
import { errorText, isRunning, plainLine, toolChanges } from "../../src/lib/session";

describe("plainLine", () => {
  it("drops markdown syntax from a title line", () => {
    expect(plainLine("## Fix **the** [parser](https://example.com) in `src/parse.js`")).toBe(
      "Fix the parser in src/parse.js",
    );
    expect(plainLine("- [ ] add a _changelog_ entry")).toBe("add a changelog entry");
    expect(plainLine("> 1. quoted")).toBe("1. quoted");
    expect(plainLine("snake_case_name stays")).toBe("snake_case_name stays");
  });
});

describe("errorText", () => {
  it("says what known opencode errors mean, and splits unknown names into words", () => {
    expect(errorText("MessageOutputLengthError")).toBe("The reply was cut off: it reached the model's output limit");
    expect(errorText("RateLimitError")).toBe("Rate limit error");
  });
});

describe("isRunning", () => {
  it("ends a session whose unfinished turn has not changed for ten minutes", () => {
    const now = 1_000_000_000;
    expect(isRunning(true, now - 60_000, now)).toBe(true);
    expect(isRunning(true, now - 11 * 60_000, now)).toBe(false);
    expect(isRunning(false, now, now)).toBe(false);
  });
});

describe("toolChanges", () => {
  it("sums the lines per file of completed edits, writes and patches", () => {
    const changes = toolChanges([
      {
        type: "tool",
        tool: "edit",
        state: { status: "completed", input: { filePath: "a.js" }, metadata: { diff: "--- a\n+++ b\n-x\n+y\n+z" } },
      },
      {
        type: "tool",
        tool: "edit",
        state: {
          status: "completed",
          input: { filePath: "a.js" },
          metadata: { filediff: { additions: "4", deletions: 1 } },
        },
      },
      {
        type: "tool",
        tool: "write",
        state: { status: "completed", input: { filePath: "b.js", content: "1\n2\n3\n" } },
      },
      { type: "tool", tool: "edit", state: { status: "error", input: { filePath: "c.js" } } },
      {
        type: "tool",
        tool: "apply_patch",
        state: {
          status: "completed",
          metadata: { files: [{ filePath: "/x/d.js", relativePath: "d.js", diff: "+new", type: "add" }] },
        },
      },
    ]);
    expect(changes.map((change) => [change.file, change.additions, change.deletions])).toEqual([
      ["a.js", 6, 2],
      ["b.js", 3, 0],
      ["d.js", 1, 0],
    ]);
  });
});

describe("attachments", () => {
  it("opens text of any kind as plain text, PDFs and images as themselves, and nothing else", () => {
    expect(openableType("text/html")).toBe("text/plain;charset=utf-8");
    expect(openableType("image/svg+xml")).toBeUndefined();
    expect(openableType("application/pdf")).toBe("application/pdf");
    expect(openableType("image/png")).toBe("image/png");
    expect(openableType("application/zip")).toBeUndefined();
  });

  it("decodes base64 and percent-encoded data: URLs, and refuses anything else", () => {
    expect([...dataUrlBytes("data:text/plain;base64,aGk=")!]).toEqual([104, 105]);
    expect(new TextDecoder().decode(dataUrlBytes("data:,a%20b"))).toBe("a b");
    expect(dataUrlBytes("https://example.com/x")).toBeUndefined();
    expect(dataUrlBytes("data:text/plain;base64,@@@")).toBeUndefined();
  });
});
