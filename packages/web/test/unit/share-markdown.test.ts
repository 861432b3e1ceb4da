/** The markdown export (`lib/share-markdown.ts`), shared by "Copy as markdown" and the worker's `/share/:id.md`. */
import type { Item } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { buildShareMarkdown, fence } from "../../src/lib/share-markdown";
import { recorded, synthetic } from "../fixtures/items";

describe("buildShareMarkdown", () => {
  const markdown = buildShareMarkdown(recorded() as Item[], { url: "https://share.example/share/abc" });

  it("opens with the title and the session's facts", () => {
    expect(markdown.startsWith("# Fix CSV parser for quoted fields with commas\n")).toBe(true);
    expect(markdown).toContain("- Shared session: https://share.example/share/abc");
    expect(markdown).toContain("- opencode 1.18.33");
    expect(markdown).toContain("- Models: Scripted A");
    expect(markdown).toContain("- Cost: $0.34");
    expect(markdown).toMatch(/- Tokens: 88,662 input, 2,105 output, 268 reasoning, 132,979 cache read, 0 cache write/);
    expect(markdown).toContain("- Files changed: 5 (+109 −6)");
  });

  it("has every turn in order with its tools, and the per-file diffs", () => {
    const user = markdown.indexOf("## User");
    const second = markdown.indexOf("## User", user + 1);
    expect(user).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(user);
    expect(markdown).toContain("**bash**\n\n```console\n$ ls -la test");
    expect(markdown).toContain("$ node --test test/");
    expect(markdown).toContain("Exit code 1.");
    expect(markdown).toContain("- [x] Explore project layout and current parser");
    expect(markdown).toContain("**edit** `src/parse.js`");
    expect(markdown).toContain("## Files changed");
    expect(markdown).toContain("### `CHANGELOG.md` (+6 −0)");
    // Reasoning is quoted, not hidden; step boundaries and patches are bookkeeping.
    expect(markdown).toContain("> _Thinking:_ ");
    expect(markdown).not.toContain("step-finish");
  });

  it("puts untrusted content in fences longer than any backtick run inside, and never copies data: URLs", () => {
    const items = [
      { type: "session", data: { id: "ses_x", title: "Title\n# not a heading" } },
      { type: "message", data: { id: "msg_a", role: "assistant" } },
      { type: "part", data: { ...synthetic.pdf, messageID: "msg_a" } },
      {
        type: "part",
        data: {
          ...synthetic.mcp,
          messageID: "msg_a",
          state: { status: "completed", input: {}, output: "````\nbreak out\n````" },
        },
      },
    ] as Item[];
    const text = buildShareMarkdown(items);
    expect(text.startsWith("# Title # not a heading\n")).toBe(true);
    expect(text).toContain("`````text\n````\nbreak out\n````\n`````");
    expect(text).toContain("_Attachment:_ `rfc4180.pdf` (application/pdf)");
    expect(text).not.toContain("data:application/pdf");
  });

  it("shows interrupted and failed turns", () => {
    const items = [
      { type: "message", data: { id: "msg_a", role: "assistant", error: { name: "MessageAbortedError", data: {} } } },
      {
        type: "message",
        data: { id: "msg_b", role: "assistant", error: { name: "APIError", data: { message: "Overloaded" } } },
      },
    ] as Item[];
    const text = buildShareMarkdown(items);
    expect(text).toContain("> **Interrupted** by the user.");
    expect(text).toContain("> **APIError**: Overloaded");
  });

  it("fences with at least three backticks", () => {
    expect(fence("plain")).toBe("```\nplain\n```");
    expect(fence("a ``` b", "ts")).toBe("````ts\na ``` b\n````");
  });
});
