/** The real transcripts of test/fixtures/ (copied from runs of the published CLIs; see test/fixtures/README.md). */
import { fileURLToPath } from "node:url";
import type { AgentId } from "../src/conversation.ts";

const root = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A main transcript of a fixture session, with what it must show. */
export interface FixtureSession {
  name: string;
  agent: AgentId;
  /** The transcript relative to the agent's home folder (`projects/…`, `sessions/…`, `tmp/…`). */
  relative: string;
  /** The agent's home folder in the fixtures (`CLAUDE_CONFIG_DIR`, `CODEX_HOME`, `GEMINI_CLI_HOME/.gemini`). */
  home: string;
}

export const FIXTURE_ROOT = root;

export const SESSIONS: FixtureSession[] = [
  {
    name: "Claude Code run with a background subagent",
    agent: "claude",
    home: `${root}claude`,
    relative: "projects/-home-dev-claude-demo/6f65b1f2-d74b-492f-b9df-f353375644ea.jsonl",
  },
  {
    name: "Claude Code run resumed and compacted",
    agent: "claude",
    home: `${root}claude`,
    relative: "projects/-home-dev-claude-demo/c9b63840-a16c-4b12-8fe8-e9852e0e1394.jsonl",
  },
  {
    name: "Codex CLI exec with apply_patch",
    agent: "codex",
    home: `${root}codex`,
    relative: "sessions/rollout-run2-exec-tools.jsonl",
  },
  {
    name: "Codex CLI exec with hooks",
    agent: "codex",
    home: `${root}codex`,
    relative: "sessions/rollout-run3-with-hooks.jsonl",
  },
  {
    name: "Gemini CLI run with a subagent",
    agent: "gemini",
    home: `${root}gemini/.gemini`,
    relative: "tmp/work-gemini/chats/session-2026-12-01T08-35-8addd1c8.jsonl",
  },
];

/** The absolute path of a fixture session's transcript. */
export function pathOf(session: FixtureSession): string {
  return `${session.home}/${session.relative}`;
}

/** The marker the fixtures put where vendor prompts and machine context were: never in a share. */
export const CANARY = "SHAREROOM-CANARY-VENDOR-PROMPT";
