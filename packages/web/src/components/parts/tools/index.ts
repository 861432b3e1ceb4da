/** The tool renderers by tool id as the CLI sends it (docs/opencode-protocol.md §3, "Tool state"). */
import { applyPatch } from "./apply-patch";
import { bash } from "./bash";
import { edit } from "./edit";
import { generic } from "./generic";
import { question } from "./question";
import { read } from "./read";
import { search } from "./search";
import { skill } from "./skill";
import { task } from "./task";
import { todowrite } from "./todowrite";
import type { ToolRenderer } from "./types";
import { webfetch, websearch } from "./web";
import { write } from "./write";

const TOOLS: Record<string, ToolRenderer> = {
  bash,
  read,
  write,
  edit,
  multiedit: edit,
  apply_patch: applyPatch,
  patch: applyPatch,
  glob: search,
  grep: search,
  list: search,
  todowrite,
  todoread: todowrite,
  webfetch,
  websearch,
  codesearch: websearch,
  task,
  question,
  skill,
};

/**
 * The tools of Claude Code, Codex CLI and Gemini CLI by their own names, with the renderer of the opencode tool
 * that does the same (their inputs are read through `normalizeInput`). Names as the agents write them in their
 * transcripts (docs/agents.md).
 */
const AGENT_TOOLS: Record<string, ToolRenderer> = {
  // Claude Code
  Bash: bash,
  Read: read,
  Write: write,
  Edit: edit,
  MultiEdit: edit,
  Glob: search,
  Grep: search,
  LS: search,
  TodoWrite: todowrite,
  WebFetch: webfetch,
  WebSearch: websearch,
  Task: task,
  Agent: task,
  // Codex CLI
  exec_command: bash,
  shell: bash,
  local_shell: bash,
  // Gemini CLI
  run_shell_command: bash,
  read_file: read,
  write_file: write,
  replace: edit,
  list_directory: search,
  search_file_content: search,
  grep_search: search,
  web_fetch: webfetch,
  google_web_search: websearch,
  invoke_agent: task,
};

/** The renderer of tool `name`; the generic one for MCP tools, `invalid`, `lsp` and anything newer. */
export function toolRenderer(name: string): ToolRenderer {
  if (Object.hasOwn(TOOLS, name)) return TOOLS[name]!;
  return Object.hasOwn(AGENT_TOOLS, name) ? AGENT_TOOLS[name]! : generic;
}

/**
 * How a tool's name is shown. MCP tools arrive as `<server>_<tool>` (docs/opencode-protocol.md §3); an unknown name with
 * an underscore is shown as server and tool. Built-in names are shown as they are.
 */
export function toolLabel(name: string): { name: string; server?: string } {
  if (Object.hasOwn(TOOLS, name) || Object.hasOwn(AGENT_TOOLS, name)) return { name };
  const split = name.indexOf("_");
  if (split <= 0 || split === name.length - 1) return { name };
  return { server: name.slice(0, split), name: name.slice(split + 1) };
}
