/**
 * The find index (`lib/search-index.ts`): what of each item is searchable, case-insensitive substring matching with
 * every occurrence counted, timeline order, the filters, and documents replaced and removed as the share changes.
 */
import type { Item } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { countOccurrences, SearchIndex, searchDoc } from "../../src/lib/search-index";

const message = (id: string, role: string, extra: Record<string, unknown> = {}): Item => ({
  type: "message",
  data: { id, role, ...extra },
});
const part = (messageID: string, id: string, data: Record<string, unknown>): Item => ({
  type: "part",
  data: { id, messageID, ...data },
});

function indexOf(items: Item[]): SearchIndex {
  const index = new SearchIndex();
  index.put(items.map(searchDoc).filter((doc) => doc !== undefined));
  return index;
}

describe("searchDoc", () => {
  it("takes a tool's name, title, every string of its input, its output, error and attachment names", () => {
    const doc = searchDoc(
      part("msg_1", "prt_1", {
        type: "tool",
        tool: "read",
        state: {
          status: "error",
          title: "src/parse.js",
          input: { filePath: "/home/dev/src/parse.js", options: { limit: 20, pattern: ["a*b"] } },
          output: "line one",
          error: "ENOENT: no such file",
          attachments: [{ filename: "notes.txt", url: "data:text/plain;base64,aGk=" }],
        },
      }),
    )!;
    expect(doc).toMatchObject({
      key: "part/msg_1/prt_1",
      messageId: "msg_1",
      partId: "prt_1",
      tool: "read",
      error: true,
    });
    for (const text of [
      "read",
      "src/parse.js",
      "/home/dev/src/parse.js",
      "20",
      "a*b",
      "line one",
      "ENOENT",
      "notes.txt",
    ]) {
      expect(doc.text).toContain(text);
    }
    // An inline attachment's bytes are not text to search.
    expect(doc.text).not.toContain("aGk=");
  });

  it("skips what the timeline does not show, and gives messages their error and changed files", () => {
    expect(searchDoc(part("msg_1", "prt_2", { type: "step-finish" }))).toBeUndefined();
    expect(searchDoc(part("msg_1", "prt_3", { type: "text", text: "hidden", synthetic: true }))).toBeUndefined();
    expect(searchDoc({ type: "session", data: { id: "ses_1", title: "x" } })).toBeUndefined();
    const doc = searchDoc(
      message("msg_1", "assistant", {
        error: { name: "APIError", data: { message: "overloaded" } },
        summary: { diffs: [{ file: "a.js" }] },
      }),
    )!;
    expect(doc).toMatchObject({ key: "message/msg_1", role: "assistant", error: true });
    expect(doc.text).toContain("overloaded");
    expect(doc.text).toContain("a.js");
  });
});

describe("SearchIndex", () => {
  const items = [
    message("msg_2", "assistant"),
    part("msg_2", "prt_b", {
      type: "tool",
      tool: "bash",
      state: { status: "error", input: { command: "npm test" }, output: "Test failed: TEST" },
    }),
    part("msg_2", "prt_a", { type: "text", text: "Running the tests" }),
    message("msg_1", "user"),
    part("msg_1", "prt_0", { type: "text", text: "Please fix the test, the Test!" }),
  ];

  it("counts every case-insensitive occurrence, in timeline order", () => {
    const { hits, total } = indexOf(items).search("TEST");
    expect(hits.map((hit) => [hit.key, hit.count])).toEqual([
      ["part/msg_1/prt_0", 2],
      ["part/msg_2/prt_a", 1],
      ["part/msg_2/prt_b", 3],
    ]);
    expect(total).toBe(6);
  });

  it("finds substrings across word and punctuation boundaries, and nothing for a blank query", () => {
    const index = indexOf(items);
    expect(index.search("fix the te").total).toBe(1);
    expect(index.search("d: t").total).toBe(1);
    expect(index.search("  ").total).toBe(0);
  });

  it("filters by role, tool and errors", () => {
    const index = indexOf(items);
    expect(index.search("test", { role: "user" }).total).toBe(2);
    expect(index.search("test", { role: "assistant" }).total).toBe(4);
    expect(index.search("test", { tool: "bash" }).total).toBe(3);
    expect(index.search("test", { errors: true }).hits.map((hit) => hit.key)).toEqual(["part/msg_2/prt_b"]);
    expect(index.tools()).toEqual(["bash"]);
  });

  it("reads a search in steps, the first matches before the rest, over the documents as they were", () => {
    const index = indexOf(items);
    const scan = index.scan("test");
    // Timeline order: msg_1, its part, msg_2, its two parts.
    expect(scan.step(2)).toBe(false);
    expect(scan.hits.map((hit) => hit.key)).toEqual(["part/msg_1/prt_0"]);
    index.remove(["part/msg_2/prt_b"]);
    expect(scan.step(10)).toBe(true);
    expect(scan.total).toBe(6);
    expect(index.search("test").total).toBe(3);
  });

  it("replaces a changed document and forgets a removed one", () => {
    const index = indexOf(items);
    index.put([searchDoc(part("msg_1", "prt_0", { type: "text", text: "no match here" }))!]);
    expect(index.search("please").total).toBe(0);
    index.remove(["part/msg_2/prt_b"]);
    expect(index.search("test").total).toBe(1);
    expect(index.size).toBe(4);
  });
});

describe("countOccurrences", () => {
  it("counts non-overlapping occurrences, as the browser's find does", () => {
    expect(countOccurrences("aaaa", "aa")).toBe(2);
    expect(countOccurrences("abc", "")).toBe(0);
  });
});
