/**
 * Claude Code, Codex CLI and Gemini CLI sessions as `shareroom share` shares them, rendered by the page's real
 * components in real Chromium: the agent in the header, each agent's tools by their own names with the right
 * renderer (diffs for Claude's Edit, Codex's apply_patch and Gemini's replace), and a subagent's session in place.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { claudeMappedShare, claudeShare, codexShare, geminiShare } from "../fixtures/agents";
import { type Harness, openHarness } from "./browser";
import "./harness-api";

let harness: Harness;

beforeAll(async () => {
  harness = await openHarness();
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

afterEach(() => {
  expect(harness.problems).toEqual([]);
});

async function share(name: string, items: unknown[]) {
  await harness.page.evaluate(([n, i]) => window.harness.share(n, i as never), [name, items] as const);
  return harness.page.locator(`[data-case="${name}"]`);
}

/** The text of a diff's added and removed lines, in order. */
async function changedLines(view: ReturnType<Harness["page"]["locator"]>): Promise<string[]> {
  await view.locator("tr.diff-add").first().waitFor();
  return view.locator("tr.diff-add td.text, tr.diff-del td.text").allTextContents();
}

describe("other agents' sessions", () => {
  it("Claude Code: the agent and version in the header, Edit's structured patch as a diff, the subagent in place", async () => {
    const view = await share("claude", claudeShare());
    expect(await view.getByTestId("agent").textContent()).toBe("Claude Code 2.1.332");
    expect(await view.locator(".tool-name").allTextContents()).toEqual(["Bash", "Edit", "Task"]);
    const edit = view.locator('.tool[data-tool="Edit"]');
    expect(await edit.locator(".tool-summary").textContent()).toBe("/home/dev/claude-demo/hello.txt");
    expect(await edit.locator(".tool-fact").allTextContents()).toEqual(["+1", "−1"]);
    expect(await changedLines(edit)).toEqual(["line two", "line 2 (edited)"]);
    expect(await view.locator('.tool[data-tool="Bash"] .command').textContent()).toContain("$ ls -la");
    // The subagent's messages are not in the timeline, but under their task, rendered once opened.
    expect(await view.locator(":scope > article.message").count()).toBe(2);
    const child = view.getByTestId("child-session");
    expect(await child.locator("summary").textContent()).toBe("The subagent's session: List the files · 2 messages");
    expect(await child.locator("article.message").count()).toBe(0);
    await child.locator("summary").click();
    await child.getByText("The subagent found hello.txt.").waitFor();
    expect(await child.locator("article.message").count()).toBe(2);
  });

  it("Codex CLI: exec_command as a command, apply_patch's patch text as one diff per file", async () => {
    const view = await share("codex", codexShare());
    expect(await view.getByTestId("agent").textContent()).toBe("Codex CLI 0.171.0");
    expect(await view.locator('.tool[data-tool="exec_command"] .command').textContent()).toContain("$ ls -la");
    const patch = view.locator('.tool[data-tool="apply_patch"]');
    expect(await patch.locator(".tool-name").textContent()).toBe("apply_patch");
    expect(await patch.locator(".tool-summary").textContent()).toBe("2 files");
    expect(await patch.locator(".tool-fact").allTextContents()).toEqual(["+3", "−1"]);
    expect(await patch.locator(".patch-file-name").allTextContents()).toEqual(["added hello.txt", "modified notes.md"]);
    expect(await changedLines(patch)).toEqual(["hello from mock", "line two", "old line", "new line"]);
  });

  it("Gemini CLI: run_shell_command as a command, replace as an edit with Gemini's file diff", async () => {
    const view = await share("gemini", geminiShare());
    expect(await view.getByTestId("agent").textContent()).toBe("Gemini CLI 0.61.0");
    expect(await view.locator(".tool-name").allTextContents()).toEqual(["run_shell_command", "replace"]);
    const replace = view.locator('.tool[data-tool="replace"]');
    expect(await replace.locator(".tool-summary").textContent()).toBe("/home/dev/gemini-demo/hello.txt");
    expect(await changedLines(replace)).toEqual(["line two", "line 2 (edited)"]);
  });

  it("a tool mapped to opencode's id is shown by the agent's own name, with opencode's renderer", async () => {
    const view = await share("claude-mapped", claudeMappedShare());
    const edit = view.locator('.tool[data-tool="edit"]');
    expect(await edit.locator(".tool-name").textContent()).toBe("Edit");
    expect(await edit.locator(".tool-fact").allTextContents()).toEqual(["+1", "−1"]);
    expect(await changedLines(edit)).toEqual(["line two", "line 2 (edited)"]);
  });
});
