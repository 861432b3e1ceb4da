import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import type { Item } from "@shareroom/shared";
import { afterAll, describe, expect, it } from "vitest";
import { SessionSource } from "../src/source.ts";
import { pathOf, SESSIONS } from "./fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests read deep into untyped item data
type Data = Record<string, any>;

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** Everything a fixture session shares: its transcript and its subagents', read whole. */
function fullRead(agent: (typeof SESSIONS)[number]["agent"], path: string): Item[] {
  const source = new SessionSource(agent, path);
  source.poll();
  return source.items();
}

const byKind = (items: Item[], type: string) =>
  items.filter((item) => item.type === type).map((item) => item.data as Data);
const tools = (items: Item[]) => byKind(items, "part").filter((part) => part.type === "tool");
const mainSession = (items: Item[]) => items[0]!.data as Data;
const childSessions = (items: Item[]) =>
  items.filter((item) => item.type.startsWith("child_session.")).map((item) => item.data as Data);

/** A deterministic pseudo-random sequence (mulberry32), so a failing cut can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((name) => statSync(join(dir, name)).isFile());
}

describe.each(SESSIONS)("$name", (session) => {
  const items = fullRead(session.agent, pathOf(session));

  it("reads the same items, with the same ids, every time", () => {
    expect(fullRead(session.agent, pathOf(session))).toEqual(items);
  });

  it("ends in exactly the items of a full read when followed as it is written, a few lines at a time, cut mid-line", () => {
    const home = mkdtempSync(join(tmpdir(), "shareroom-follow-"));
    temps.push(home);
    // The session's folder (the main transcript and its subagents' folder), written piece by piece.
    const sourceDir = dirname(pathOf(session));
    const target = join(home, relative(session.home, sourceDir));
    mkdirSync(target, { recursive: true });
    for (const name of readdirSync(sourceDir)) {
      if (name.endsWith(".json")) cpSync(join(sourceDir, name), join(target, name));
    }
    const main = relative(sourceDir, pathOf(session));
    const own = (name: string) =>
      name === main ||
      name.startsWith(`${main.replace(/\.jsonl$/, "")}/`) ||
      (session.agent === "gemini" && name.includes("/"));
    const files = filesUnder(sourceDir)
      .filter((name) => name.endsWith(".jsonl") && own(name))
      .map((name) => ({ name, text: readFileSync(join(sourceDir, name), "utf8"), at: 0 }));
    for (const file of files) {
      mkdirSync(dirname(join(target, file.name)), { recursive: true });
      for (const meta of readdirSync(dirname(join(sourceDir, file.name)))) {
        if (meta.endsWith(".meta.json"))
          cpSync(join(dirname(join(sourceDir, file.name)), meta), join(dirname(join(target, file.name)), meta));
      }
    }
    // Gemini CLI keeps the project's working directory beside its chats folder.
    const projectRoot = join(dirname(sourceDir), ".project_root");
    if (session.agent === "gemini") cpSync(projectRoot, join(dirname(target), ".project_root"));
    const mainPath = join(target, relative(sourceDir, pathOf(session)));
    const source = new SessionSource(session.agent, mainPath);
    const next = random(12);
    let steps = 0;
    while (files.some((file) => file.at < file.text.length)) {
      const pending = files.filter((file) => file.at < file.text.length);
      const file = pending[Math.floor(next() * pending.length)]!;
      const size = 1 + Math.floor(next() * 1200);
      appendFileSync(join(target, file.name), file.text.slice(file.at, file.at + size));
      file.at += size;
      source.poll();
      steps++;
    }
    source.poll();
    expect(steps).toBeGreaterThan(20);
    const followed = source.items();
    // Paths differ (the copy lives in a temporary folder); everything else must match.
    const normalize = (list: Item[]) => JSON.parse(JSON.stringify(list).replaceAll(target, sourceDir));
    expect(normalize(followed)).toEqual(items);
  });

  it("names the agent and its version on the session", () => {
    const agent = mainSession(items).agent;
    expect(agent.name).toBe({ claude: "Claude Code", codex: "Codex CLI", gemini: "Gemini CLI" }[session.agent]);
    if (session.agent !== "gemini") expect(agent.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("gives every message and part an id that sorts in creation order", () => {
    const messages = byKind(items, "message").filter((message) => message.sessionID === mainSession(items).id);
    const ids = messages.map((message) => message.id);
    expect([...ids].sort()).toEqual(ids);
    expect(byKind(items, "part").find((part) => part.messageID === ids[0])?.text).toMatch(/^MAIN-TASK/);
    const last = messages.filter((message) => message.role === "assistant" && !message.summary).at(-1)!;
    const lastText = byKind(items, "part").filter((part) => part.messageID === last.id && part.type === "text");
    expect(lastText.at(-1)?.text).toMatch(/^Done\./);
  });

  it("carries tokens and the model on every assistant message", () => {
    const assistants = byKind(items, "message").filter((message) => message.role === "assistant" && !message.summary);
    expect(assistants.length).toBeGreaterThan(2);
    for (const message of assistants) {
      expect(message.modelID).not.toBe("");
      expect(message.providerID).not.toBe("");
    }
    expect(assistants.some((message) => message.tokens.output > 0)).toBe(true);
  });

  it("maps thinking to reasoning parts", () => {
    expect(byKind(items, "part").filter((part) => part.type === "reasoning").length).toBeGreaterThan(0);
  });

  it("maps the agent's tools onto opencode's, keeping the agent's own name", () => {
    for (const part of tools(items)) {
      expect(part.metadata.agentTool).toEqual(expect.any(String));
      expect(part.state.status).toMatch(/^(completed|error)$/);
    }
    const names = tools(items).map((part) => `${part.metadata.agentTool}→${part.tool}`);
    const expected = {
      claude: ["Bash→bash", "Write→write", "Read→read", "Edit→edit", "Agent→task"],
      codex: ["exec_command→bash", "apply_patch→apply_patch", "exec_command→bash"],
      gemini: ["run_shell_command→bash", "write_file→write", "read_file→read", "replace→edit", "invoke_agent→task"],
    }[session.agent];
    expect(names).toEqual(expect.arrayContaining(expected));
  });
});

describe("tool details the page's renderers read", () => {
  const claude = fullRead("claude", pathOf(SESSIONS[0]!));
  const codex = fullRead("codex", pathOf(SESSIONS[2]!));
  const gemini = fullRead("gemini", pathOf(SESSIONS[4]!));

  it("gives Claude Code's Edit a unified diff from its structured patch, with opencode's input keys", () => {
    const edit = tools(claude).find((part) => part.tool === "edit")!;
    expect(edit.state.input).toMatchObject({ filePath: "/home/dev/claude-demo/hello.txt", oldString: "line two" });
    expect(edit.state.metadata.diff).toContain("-line two\n+line 2 (edited)");
    expect(edit.state.metadata.filediff).toMatchObject({ additions: 1, deletions: 1 });
  });

  it("gives a shell call its command, output and exit code", () => {
    const bash = tools(codex).find((part) => part.tool === "bash")!;
    expect(bash.state.input.command).toBe("ls -la");
    expect(bash.state.metadata.exit).toBe(0);
    expect(bash.state.output).toContain(".git");
    expect(bash.state.output).not.toContain("Chunk ID");
  });

  it("keeps Codex's apply_patch text as patchText", () => {
    const patch = tools(codex).find((part) => part.tool === "apply_patch")!;
    expect(patch.state.input.patchText).toMatch(/^\*\*\* Begin Patch/);
  });

  it("gives Gemini CLI's replace the diff it displayed", () => {
    const edit = tools(gemini).find((part) => part.tool === "edit")!;
    expect(edit.state.metadata.diff).toContain("+line 2 (edited)");
  });

  it("links each subagent's task part to its child session, shared in the same share", () => {
    for (const items of [claude, gemini]) {
      const task = tools(items).find((part) => part.tool === "task")!;
      const children = childSessions(items);
      expect(children.map((child) => child.id)).toContain(task.state.metadata.sessionId);
      const child = children.find((entry) => entry.id === task.state.metadata.sessionId)!;
      expect(child.parentID).toBe(mainSession(items).id);
      const childMessages = byKind(items, "message").filter((message) => message.sessionID === child.id);
      expect(childMessages.length).toBeGreaterThan(1);
    }
  });

  it("completes a background Claude Code subagent's task with the result its notification brought", () => {
    const task = tools(claude).find((part) => part.tool === "task")!;
    expect(task.state.status).toBe("completed");
    expect(task.state.output).toBe("SUBAGENT DONE: saw the listing.");
    expect(byKind(claude, "part").some((part) => String(part.text).includes("task-notification"))).toBe(false);
  });

  it("shows a compaction as opencode does: a compaction part, then the summary message", () => {
    const compacted = fullRead("claude", pathOf(SESSIONS[1]!));
    expect(byKind(compacted, "part").filter((part) => part.type === "compaction")).toEqual([
      expect.objectContaining({ auto: false }),
    ]);
    expect(byKind(compacted, "message").filter((message) => message.summary === true)).toHaveLength(1);
  });
});
