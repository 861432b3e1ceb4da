/**
 * Every part and tool renderer, rendered by the page's real components in real Chromium (see browser.ts) from the
 * opencode CLI's recorded items (`fixtures/`) and, where the recordings have none, from synthetic items of the
 * protocol's shapes (test/fixtures/items.ts). The harness page runs under the worker's Content-Security-Policy;
 * every test ends with no page error and no CSP violation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isVisiblePart } from "../../src/lib/session";
import { recorded, recordedPart, recordedTool, synthetic } from "../fixtures/items";
import { type Harness, openHarness } from "./browser";
import "./harness-api";

let harness: Harness;
const CWD = synthetic.cwd;

beforeAll(async () => {
  harness = await openHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

afterEach(() => {
  expect(harness.problems).toEqual([]);
});

/** Renders a part as case `name` and returns a locator for it. */
async function part(name: string, data: Record<string, unknown>, cwd = CWD) {
  await harness.page.evaluate(([n, d, c]) => window.harness.part(n, d, c), [name, data, cwd] as const);
  return harness.page.locator(`[data-case="${name}"]`);
}

describe("part renderers (recorded items)", () => {
  it("renders a text part as markdown, with fenced code highlighted once its grammar loads", async () => {
    const data = recordedPart((p) => p.type === "text" && String(p.text).includes("```diff"));
    const view = await part("text", data);
    await view.locator("ol li", { hasText: "round-trips" }).waitFor();
    await view.locator("pre code.hljs .hljs-deletion").first().waitFor();
    expect(await view.locator(".code-copy").count()).toBeGreaterThan(0);
  });

  it("collapses reasoning behind 'Thinking', with its duration", async () => {
    const data = recordedPart((p) => p.type === "reasoning");
    const view = await part("reasoning", data);
    const details = view.locator("details.reasoning");
    expect(await details.getAttribute("open")).toBeNull();
    expect(await details.locator("summary").textContent()).toMatch(/^Thinking · \d+ms$/);
    await details.locator("summary").click();
    expect(await details.locator(".markdown").textContent()).toContain(String(data.text).slice(0, 40));
  });

  it("shows step boundaries only when step details are on", async () => {
    const data = recordedPart((p) => p.type === "step-finish");
    await harness.page.evaluate(() => window.harness.steps(false));
    const hidden = await part("step-off", data);
    expect(await hidden.locator(".step-meta").count()).toBe(0);
    await harness.page.evaluate(() => window.harness.steps(true));
    const shown = await part("step-on", data);
    const line = await shown.locator(".step-meta").textContent();
    expect(line).toContain("tool-calls");
    expect(line).toContain("$0.01");
    await harness.page.evaluate(() => window.harness.steps(false));
  });
});

describe("tool renderers (recorded items)", () => {
  it("todowrite: a checklist with each item's status", async () => {
    const view = await part("todowrite", recordedTool("todowrite"));
    expect(await view.locator(".todos li").count()).toBe(4);
    expect(await view.locator('.todos li[data-status="in_progress"]').count()).toBe(1);
    expect(await view.locator(".tool-fact").textContent()).toBe("0 of 4 done");
  });

  it("glob and grep: pattern, number of matches, paths relative to the session directory", async () => {
    const glob = await part("glob", recordedTool("glob"));
    expect(await glob.locator(".tool-summary").textContent()).toBe("**/*.js");
    expect(await glob.locator(".tool-fact").textContent()).toBe("4 matches");
    expect(await glob.locator(".output").textContent()).toContain("src/parse.js");
    expect(await glob.locator(".output").textContent()).not.toContain(CWD);
    const grep = await part("grep", recordedTool("grep"));
    expect(await grep.locator(".tool-fact").textContent()).toBe("2 matches");
    expect(await grep.locator(".output").textContent()).toContain("Found 2 matches");
  });

  it("read: the lines read, numbered from where the read started and highlighted", async () => {
    const data = recordedPart(
      (p) => p.tool === "read" && String((p.state as { title?: string }).title) === "src/parse.js",
    );
    const view = await part("read", data);
    expect(await view.locator(".tool-summary").textContent()).toBe("src/parse.js");
    expect((await view.locator("pre.gutter").textContent())?.split("\n")[0]).toBe("1");
    await view.locator("pre.code code.hljs .hljs-keyword").first().waitFor();
    expect(await view.locator("pre.code").textContent()).toContain("function parse(text, opts = {})");
  });

  it("bash: command, output, and a failing exit code in the header and under the output", async () => {
    const data = recordedPart(
      (p) => p.tool === "bash" && (p.state as { metadata?: { exit?: number } }).metadata?.exit === 1,
    );
    const view = await part("bash-failed", data);
    expect(await view.locator(".command").textContent()).toContain("$ node --test test/");
    expect(await view.locator(".output").textContent()).toContain("not ok 3 - keeps commas inside quoted fields");
    expect(await view.locator('.tool-fact[data-kind="del"]').textContent()).toBe("exit 1");
    expect(await view.locator(".exit-code").textContent()).toBe("exit code 1");
    expect(await view.locator(".clamp-toggle").textContent()).toMatch(/^Show all \d+ lines$/);
  });

  it("bash while running: shown as running, with its streamed output so far", async () => {
    const view = await part("bash-running", recordedTool("bash", "running"));
    expect(await view.locator(".tool").getAttribute("data-status")).toBe("running");
    expect(await view.locator('.tool-status[data-status="running"] .spinner').count()).toBe(1);
    expect(await view.locator(".output").textContent()).toContain("TAP version 13");
  });

  it("write: the file, new or overwritten, and its content highlighted with line numbers", async () => {
    const view = await part("write", recordedTool("write"));
    expect(await view.locator(".tool-summary").textContent()).toBe("test/quoted.test.js");
    expect(await view.locator(".tool-fact").textContent()).toBe("new file");
    await view.locator("pre.code code.hljs .hljs-string").first().waitFor();
    expect(await view.locator("pre.code").textContent()).toContain("keeps commas inside quoted fields");
  });

  it("edit: counts in the header, a numbered diff, and a unified/split toggle", async () => {
    const view = await part("edit", recordedTool("edit"));
    expect(await view.locator(".tool-fact").allTextContents()).toEqual(["+42", "−4"]);
    await view.locator("table.diff-table td.ln[data-line='11']").first().waitFor();
    expect(await view.locator("tr.diff-del").count()).toBe(4);
    expect(await view.locator("tr.diff-add").count()).toBeGreaterThan(30);
    await view.locator("tr.diff-add td.text .hljs").first().waitFor();
    // Split view needs a wide screen (the harness page is 1280 px wide).
    await view.getByRole("button", { name: "Split" }).click();
    await view.locator("table.diff-table.split").waitFor();
    expect(await view.locator("table.split td.diff-del").count()).toBe(4);
    await view.getByRole("button", { name: "Unified" }).click();
    await view.locator("table.diff-table:not(.split)").waitFor();
  });

  it("edit while pending (no input yet), then running: queued, then the diff of its old and new strings", async () => {
    const pending = await part("edit-pending", recordedTool("edit", "pending"));
    expect(await pending.locator(".tool-status").textContent()).toBe("queued");
    expect(await pending.locator(".tool-status .spinner").count()).toBe(1);
    expect(await pending.locator(".tool-body").textContent()).toBe("");
    // The CLI goes from pending to completed between two syncs; a running edit has its input but no diff yet.
    const completed = recordedTool("edit");
    const state = completed.state as { input: unknown; time: { start: number } };
    const running = {
      ...completed,
      state: { status: "running", input: state.input, time: { start: state.time.start } },
    };
    const view = await part("edit-running", running);
    expect(await view.locator(".tool-status").textContent()).toMatch(/^running/);
    await view.locator("table.diff-table").waitFor();
    expect(await view.locator("tr.diff-del").count()).toBe(4);
    expect(await view.locator("tr.diff-add").count()).toBeGreaterThan(30);
  });

  it("webfetch: the URL as a link that tells the site nothing, and the page text as text", async () => {
    const view = await part("webfetch", recordedTool("webfetch"));
    const link = view.locator(".tool-body a");
    expect(await link.getAttribute("href")).toBe("http://127.0.0.1:4800/docs/rfc4180.html");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(await view.locator(".tool-fact").textContent()).toBe("markdown");
    expect(await view.locator(".output").textContent()).toContain("RFC 4180");
  });
});

describe("tool renderers (synthetic items of the protocol's shapes)", () => {
  it("apply_patch: one diff per file with its kind of change and LSP errors and warnings", async () => {
    const view = await part("apply-patch", synthetic.applyPatch);
    expect(await view.locator(".tool-summary").textContent()).toBe("src/index.js");
    expect(await view.locator(".tool-fact").allTextContents()).toEqual(["+2", "−1"]);
    expect(await view.locator(".file-status").textContent()).toBe("modified");
    await view.locator("tr.diff-add").first().waitFor();
    const diagnostics = view.locator(".diagnostics li");
    expect(await diagnostics.count()).toBe(2);
    expect(await diagnostics.first().getAttribute("data-severity")).toBe("error");
    expect(await diagnostics.first().textContent()).toContain("5:27");
    expect(await diagnostics.first().textContent()).toContain("Cannot find name 'format2'.");
  });

  it("task: the subagent, its prompt (folded) and its answer as markdown", async () => {
    const view = await part("task", synthetic.task);
    expect(await view.locator(".tool-summary").textContent()).toBe("Find every caller of parse()");
    expect(await view.locator(".tool-fact").textContent()).toBe("explore");
    expect(await view.locator("details.task-prompt").getAttribute("open")).toBeNull();
    expect(await view.locator(".task-result strong").textContent()).toBe("3");
    expect(await view.locator(".task-result li").count()).toBe(3);
    expect(await view.locator(".task-result").textContent()).not.toContain("task_id");
  });

  it("question: the options, with the user's answer marked", async () => {
    const view = await part("question", synthetic.question);
    expect(await view.locator(".question-text").textContent()).toBe("How should format() quote fields?");
    expect(await view.locator('li[data-chosen="true"]').textContent()).toContain("Only when needed");
    expect(await view.locator('li[data-chosen="false"]').textContent()).toContain("Always");
  });

  it("skill: the skill's name, its instructions folded", async () => {
    const view = await part("skill", synthetic.skill);
    expect(await view.locator(".tool-summary").textContent()).toBe("release-notes");
    expect(await view.locator("details.skill-content").getAttribute("open")).toBeNull();
    expect(await view.locator("details.skill-content h1").textContent()).toBe("Release notes");
  });

  it("websearch and list: the query or directory, and the results as text", async () => {
    const search = await part("websearch", synthetic.websearch);
    expect(await search.locator(".tool-summary").textContent()).toBe("RFC 4180 quoted fields line breaks");
    expect(await search.locator(".output").textContent()).toContain("enclosed in double-quotes");
    const list = await part("list", synthetic.list);
    expect(await list.locator(".tool-fact").textContent()).toBe("4 matches");
    expect(await list.locator(".output").textContent()).toContain("parse.js");
  });

  it("an MCP tool: server and tool name, input as key/value pairs, output as text", async () => {
    const view = await part("mcp", synthetic.mcp);
    expect(await view.locator(".tool-server").textContent()).toBe("github");
    expect(await view.locator(".tool-name").textContent()).toBe("githubcreate_issue");
    expect(await view.locator(".tool-input dt").allTextContents()).toEqual(["owner", "repo", "title", "labels"]);
    expect(await view.locator(".tool-input dd").nth(3).textContent()).toContain('"parser"');
    expect(await view.locator(".output").textContent()).toContain('"number": 42');
  });

  it("a failed call (unknown tool) and an aborted one: marked failed, with the error", async () => {
    const invalid = await part("invalid", synthetic.invalid);
    expect(await invalid.locator(".tool").getAttribute("data-status")).toBe("error");
    expect(await invalid.locator(".tool-status").textContent()).toBe("failed");
    expect(await invalid.locator(".tool-error").textContent()).toContain("unavailable tool 'bsh'");
    const aborted = await part("aborted", synthetic.aborted);
    expect(await aborted.locator(".tool-error").textContent()).toBe("Tool execution aborted");
    expect(await aborted.locator(".output").textContent()).toContain("watching for changes");
  });
});

describe("attachments, notes and redaction", () => {
  it("shows inline images, lists other attachments as chips, and never loads a remote image", async () => {
    const image = await part("image", synthetic.image);
    expect(await image.locator("img.file-preview").getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    const pdf = await part("pdf", synthetic.pdf);
    expect(await pdf.locator("img").count()).toBe(0);
    expect(await pdf.locator(".file-chip").textContent()).toContain("rfc4180.pdf");
    const remote = await part("remote-image", synthetic.remoteImage);
    expect(await remote.locator("img").count()).toBe(0);
    expect(await remote.locator(".file-chip").textContent()).toContain("tracker.png");
    const markdown = "![a tracking pixel](https://tracker.example/pixel.png)";
    await harness.page.evaluate((text) => window.harness.markdown("remote-md", text), markdown);
    const link = harness.page.locator('[data-case="remote-md"] a.remote-image');
    expect(await link.textContent()).toBe("Image: a tracking pixel (tracker.example)");
    expect(await harness.page.locator('[data-case="remote-md"] img').count()).toBe(0);
  });

  it("hardens links without a scheme that leave this origin, and keeps in-page links as they are", async () => {
    const markdown = "[a](//evil.example/x) [b](/\\evil.example) [c](#msg_1)";
    await harness.page.evaluate((text) => window.harness.markdown("relative-links", text), markdown);
    const links = harness.page.locator('[data-case="relative-links"] a');
    expect(await links.count()).toBe(3);
    for (const index of [0, 1]) {
      expect(await links.nth(index).getAttribute("rel")).toBe("noopener noreferrer nofollow");
      expect(await links.nth(index).getAttribute("target")).toBe("_blank");
    }
    expect(await links.nth(2).getAttribute("target")).toBeNull();
  });

  it("renders retry, compaction, agent and subtask parts as notes", async () => {
    expect(await (await part("retry", synthetic.retry)).textContent()).toContain("Retry 2: Overloaded");
    expect(await (await part("compaction", synthetic.compaction)).textContent()).toContain(
      "Context compacted automatically",
    );
    expect(await (await part("agent", synthetic.agent)).textContent()).toContain("Agent plan");
    const subtask = await part("subtask", synthetic.subtask);
    expect(await subtask.textContent()).toContain("Subtask for explore: Survey the tests");
  });

  it("shows redaction markers as badges in markdown, code and tool output, built as text", async () => {
    const text = await part("redacted-text", synthetic.redactedText);
    expect(await text.locator(".redacted").allTextContents()).toEqual([
      "[redacted:openai]",
      "[redacted:github]",
      "[redacted:openai]",
    ]);
    const bash = await part("redacted-bash", synthetic.redactedBash);
    expect(await bash.locator(".output .redacted").allTextContents()).toEqual(["[redacted:openai]", "[redacted:aws]"]);
    expect(await bash.locator(".output").textContent()).toContain("OTHER=plain");
    // A marker-like text with markup inside stays text.
    await harness.page.evaluate(() => window.harness.text("fake-marker", "[redacted:<img src=x onerror=alert(1)>]"));
    expect(await harness.page.locator('[data-case="fake-marker"] .redacted').count()).toBe(0);
    expect(await harness.page.locator('[data-case="fake-marker"] img').count()).toBe(0);
  });

  it("renders an output and a file too large to lay out cut to their first lines, and all of them on Show all", async () => {
    const lines = Array.from({ length: 6000 }, (_, i) => `line ${i + 1}: ${"x".repeat(40)}`).join("\n");
    const bash = recordedTool("bash");
    const huge = { ...bash, state: { ...(bash.state as object), output: lines } };
    const view = await part("bash-huge", huge);
    const output = view.locator(".output");
    expect(await output.textContent()).toContain("line 1: ");
    expect(await output.textContent()).not.toContain("line 6000: ");
    expect((await output.textContent())?.length).toBeLessThan(4_000);
    const toggle = view.locator("[data-cut] > .clamp-toggle");
    expect(await toggle.textContent()).toBe("Show all 6000 lines");
    await toggle.click();
    expect(await output.textContent()).toContain("line 6000: ");
    expect(await view.locator("[data-cut]").count()).toBe(0);
    await view.locator(".clamp-toggle").click();
    expect(await output.textContent()).not.toContain("line 6000: ");

    const write = recordedTool("write");
    const file = {
      ...write,
      state: { ...(write.state as object), input: { ...(write.state as { input: object }).input, content: lines } },
    };
    const code = await part("write-huge", file);
    expect(await code.locator("pre.code").textContent()).not.toContain("line 6000: ");
    expect((await code.locator("pre.gutter").textContent())?.split("\n").length).toBeLessThan(40);
    await code.locator("[data-cut] > .clamp-toggle").click();
    expect(await code.locator("pre.code").textContent()).toContain("line 6000: ");
    expect((await code.locator("pre.gutter").textContent())?.split("\n").at(-1)).toBe("6000");
  });

  it("renders every recorded part without an error", async () => {
    const parts = recorded().filter((item) => item.type === "part");
    for (const [index, item] of parts.entries()) await part(`all-${index}`, item.data);
    const visible = parts.filter((item) => isVisiblePart(item.data)).length;
    expect(visible).toBe(38);
    expect(await harness.page.locator('[data-case^="all-"] .part').count()).toBe(visible);
    expect(await harness.page.getByText(/could not be shown/).count()).toBe(0);
  });
});
