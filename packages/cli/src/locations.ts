/**
 * Where each agent keeps its transcripts, and finding the one to share. Paths and environment variables:
 * docs/agents.md, "Discovery" (Claude Code: `CLAUDE_CONFIG_DIR`, Codex CLI: `CODEX_HOME`, Gemini CLI:
 * `GEMINI_CLI_HOME`).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import type { AgentId } from "./conversation.ts";

/** Every agent this CLI reads. */
export const AGENTS: readonly AgentId[] = ["claude", "codex", "gemini"];

/** `~/.claude`, or `$CLAUDE_CONFIG_DIR`. */
export function claudeHome(env = process.env): string {
  return env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude");
}

/** `~/.codex`, or `$CODEX_HOME`. */
export function codexHome(env = process.env): string {
  return env.CODEX_HOME || join(env.HOME || homedir(), ".codex");
}

/** `~/.gemini`, or `$GEMINI_CLI_HOME/.gemini`. */
export function geminiHome(env = process.env): string {
  return join(env.GEMINI_CLI_HOME || env.HOME || homedir(), ".gemini");
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every main transcript file of `agent` (not subagents'). */
export function listTranscripts(agent: AgentId, env = process.env): string[] {
  switch (agent) {
    case "claude": {
      const root = join(claudeHome(env), "projects");
      return list(root).flatMap((project) =>
        list(join(root, project))
          .filter((name) => name.endsWith(".jsonl"))
          .map((name) => join(root, project, name)),
      );
    }
    case "codex": {
      const out: string[] = [];
      const walk = (dir: string, depth: number) => {
        for (const name of list(dir)) {
          const path = join(dir, name);
          if (name.startsWith("rollout-") && name.endsWith(".jsonl")) out.push(path);
          else if (depth < 3 && /^\d+$/.test(name)) walk(path, depth + 1);
        }
      };
      walk(join(codexHome(env), "sessions"), 0);
      return out;
    }
    case "gemini": {
      const root = join(geminiHome(env), "tmp");
      return list(root).flatMap((project) =>
        list(join(root, project, "chats"))
          .filter((name) => name.startsWith("session-") && name.endsWith(".jsonl"))
          .map((name) => join(root, project, "chats", name)),
      );
    }
  }
}

/** The first `bytes` of a file as text (enough for the metadata line and the first rows). */
function head(path: string, bytes = 64 * 1024): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buffer = Buffer.alloc(bytes);
    const read = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read).toString("utf8");
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function firstRows(path: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const line of head(path).split("\n")) {
    try {
      const row = JSON.parse(line);
      if (row && typeof row === "object") rows.push(row);
    } catch {
      // A cut last line, or not JSON.
    }
  }
  return rows;
}

/** Which agent wrote a transcript, from its path (or its first line). */
export function agentOfPath(path: string): AgentId {
  const name = basename(path);
  if (name.startsWith("rollout-")) return "codex";
  if (/\/chats\//.test(path) || name.startsWith("session-")) return "gemini";
  const first = firstRows(path)[0];
  if (first?.type === "session_meta") return "codex";
  if (first && typeof first.projectHash === "string") return "gemini";
  return "claude";
}

/** The agent's id of a transcript's session as its file name says it (readers refine it from the contents). */
export function nativeIdOfPath(agent: AgentId, path: string): string {
  const name = basename(path, ".jsonl");
  if (agent === "codex") {
    const meta = firstRows(path)[0];
    const id = meta?.type === "session_meta" ? (meta.payload as Record<string, unknown> | undefined)?.id : undefined;
    if (typeof id === "string") return id;
    return /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(name)?.[1] ?? name;
  }
  if (agent === "gemini") {
    const meta = firstRows(path)[0];
    return typeof meta?.sessionId === "string" ? meta.sessionId : name;
  }
  return name;
}

/** The Gemini CLI project folder's working directory: its `.project_root`, else `projects.json`'s entry. */
function geminiProjectCwd(projectDir: string, env = process.env): string | undefined {
  try {
    return readFileSync(join(projectDir, ".project_root"), "utf8").trim() || undefined;
  } catch {
    // Older versions have only projects.json.
  }
  try {
    const projects = JSON.parse(readFileSync(join(geminiHome(env), "projects.json"), "utf8")).projects ?? {};
    const slug = basename(projectDir);
    return Object.keys(projects).find((cwd) => projects[cwd] === slug);
  } catch {
    return undefined;
  }
}

/** The working directory a transcript's session ran in, if the file (or its project) says. */
export function cwdOfTranscript(agent: AgentId, path: string, env = process.env): string | undefined {
  if (agent === "gemini") return geminiProjectCwd(dirname(dirname(path)), env);
  for (const row of firstRows(path)) {
    const payload = row.payload as Record<string, unknown> | undefined;
    const cwd = agent === "codex" ? payload?.cwd : row.cwd;
    if (typeof cwd === "string") return cwd;
  }
  return undefined;
}

/** A transcript found for sharing. */
export interface FoundTranscript {
  agent: AgentId;
  path: string;
}

function newest(paths: string[]): string | undefined {
  let best: { path: string; mtime: number } | undefined;
  for (const path of paths) {
    try {
      const mtime = statSync(path).mtimeMs;
      if (!best || mtime > best.mtime) best = { path, mtime };
    } catch {
      // Gone since listing.
    }
  }
  return best?.path;
}

/** The transcript of session `id` (an agent's session id, or a Gemini id prefix) for `agent`. */
function byId(agent: AgentId, id: string, env: NodeJS.ProcessEnv): string | undefined {
  const files = listTranscripts(agent, env);
  const name = (path: string) => basename(path, ".jsonl");
  if (agent === "claude") return files.find((path) => name(path) === id);
  if (agent === "codex") {
    return files.find((path) => name(path).endsWith(id)) ?? files.find((path) => nativeIdOfPath(agent, path) === id);
  }
  return newest(
    files.filter((path) => name(path).endsWith(`-${id.slice(0, 8)}`) || nativeIdOfPath(agent, path) === id),
  );
}

/**
 * Finds the transcript to share, in this order (docs/agents.md, "Discovery"): `session` as a path; `session` as an
 * id of `agent` (or of any agent); from inside an agent, its own session (`CLAUDE_CODE_SESSION_ID`,
 * `CODEX_THREAD_ID`, or Gemini CLI's newest chat of `cwd`'s project when `GEMINI_CLI=1`); else the most recently
 * written transcript whose working directory is `cwd`. Throws an Error saying what was looked for when none fits.
 */
export function findTranscript(
  options: { agent?: AgentId; session?: string; cwd: string },
  env: NodeJS.ProcessEnv = process.env,
): FoundTranscript {
  const agents = options.agent ? [options.agent] : AGENTS;
  const session = options.session;
  if (session) {
    if (session.includes("/") || session.endsWith(".jsonl") || existsSync(session)) {
      return { agent: options.agent ?? agentOfPath(session), path: session };
    }
    for (const agent of agents) {
      const path = byId(agent, session, env);
      if (path) return { agent, path };
    }
    throw new Error(`no transcript of session ${session} was found (${agents.join(", ")})`);
  }
  const inside: [AgentId, string | undefined][] = [
    ["claude", env.CLAUDE_CODE_SESSION_ID],
    ["codex", env.CODEX_THREAD_ID],
  ];
  for (const [agent, id] of inside) {
    if (!id || !agents.includes(agent)) continue;
    const path = byId(agent, id, env);
    if (path) return { agent, path };
  }
  const candidates = agents.flatMap((agent) =>
    listTranscripts(agent, env)
      .filter((path) => cwdOfTranscript(agent, path, env) === options.cwd)
      .map((path) => ({ agent, path })),
  );
  if (env.GEMINI_CLI === "1" && agents.includes("gemini")) {
    const path = newest(candidates.filter((found) => found.agent === "gemini").map((found) => found.path));
    if (path) return { agent: "gemini", path };
  }
  const path = newest(candidates.map((found) => found.path));
  const found = candidates.find((candidate) => candidate.path === path);
  if (!found) throw new Error(`no ${agents.join(", ")} session was found for ${options.cwd}`);
  return found;
}

/** The subagent transcripts of a main transcript, as they exist now. */
export function childTranscripts(agent: AgentId, path: string, nativeId: string): string[] {
  if (agent === "claude") {
    const dir = join(dirname(path), basename(path, ".jsonl"), "subagents");
    return list(dir)
      .filter((name) => name.startsWith("agent-") && name.endsWith(".jsonl"))
      .map((name) => join(dir, name));
  }
  if (agent === "gemini") {
    const dir = join(dirname(path), nativeId);
    return list(dir)
      .filter((name) => name.endsWith(".jsonl"))
      .map((name) => join(dir, name));
  }
  return [];
}

/** The npm package each agent's CLI is published as. */
const PACKAGES: Record<AgentId, string> = {
  claude: "@anthropic-ai/claude-code",
  codex: "@openai/codex",
  gemini: "@google/gemini-cli",
};
const COMMANDS: Record<AgentId, string> = { claude: "claude", codex: "codex", gemini: "gemini" };

/**
 * The version of `agent`'s CLI installed on `PATH`, from the package.json of the npm package its command belongs to;
 * `undefined` when it is not found. For agents whose transcripts do not record their version (Gemini CLI).
 */
export function installedVersion(agent: AgentId, env = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    let path: string;
    try {
      path = realpathSync(join(dir, COMMANDS[agent]));
    } catch {
      continue;
    }
    for (let folder = dirname(path); folder !== dirname(folder); folder = dirname(folder)) {
      try {
        const pkg = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
        if (pkg.name === PACKAGES[agent] && typeof pkg.version === "string") return pkg.version;
      } catch {
        // No package.json here: look further up.
      }
    }
  }
  return undefined;
}
