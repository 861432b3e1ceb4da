/**
 * How the agents' tools map onto opencode's: the tool id the page picks a renderer by, the input keys it reads,
 * and the metadata it shows (the table in docs/agents.md, "How a session maps to items"). The
 * agent's own tool name always stays in the part's `metadata.agentTool`.
 */
import type { Data } from "./conversation.ts";

/** opencode's tool id for each agent tool name that means the same thing. */
export const TOOL_IDS: Readonly<Record<string, string>> = {
  Bash: "bash",
  exec_command: "bash",
  shell: "bash",
  shell_command: "bash",
  local_shell: "bash",
  run_shell_command: "bash",
  Read: "read",
  read_file: "read",
  view_image: "read",
  Edit: "edit",
  replace: "edit",
  MultiEdit: "multiedit",
  Write: "write",
  write_file: "write",
  Grep: "grep",
  grep: "grep",
  grep_search: "grep",
  search_file_content: "grep",
  Glob: "glob",
  glob: "glob",
  LS: "list",
  list_directory: "list",
  Task: "task",
  Agent: "task",
  invoke_agent: "task",
  TodoWrite: "todowrite",
  write_todos: "todowrite",
  update_plan: "todowrite",
  WebFetch: "webfetch",
  web_fetch: "webfetch",
  WebSearch: "websearch",
  web_search: "websearch",
  google_web_search: "websearch",
  apply_patch: "apply_patch",
};

/** Input keys renamed to opencode's (snake_case → camelCase as opencode's tools name them). */
const INPUT_KEYS: Readonly<Record<string, string>> = {
  file_path: "filePath",
  old_string: "oldString",
  new_string: "newString",
  replace_all: "replaceAll",
};

function record(value: unknown): Data | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Data) : undefined;
}

/** A shell command given as a string, or as argv (`["bash", "-lc", "ls"]` in older Codex). */
function commandText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((arg) => typeof arg === "string")) {
    const argv = value as string[];
    if (argv.length === 3 && /(^|\/)(ba|z)?sh$/.test(argv[0]!) && argv[1] === "-lc") return argv[2];
    return argv.join(" ");
  }
  return undefined;
}

/** A todo list in opencode's shape (`{content, status, priority}`) from Claude's, Gemini's or Codex's. */
function todosOf(input: Data): Data[] | undefined {
  const list = Array.isArray(input.todos) ? input.todos : Array.isArray(input.plan) ? input.plan : undefined;
  if (!list) return undefined;
  return list.map((entry) => {
    const todo = record(entry) ?? {};
    const content = todo.content ?? todo.description ?? todo.step ?? "";
    return { content, status: todo.status ?? "pending", priority: todo.priority ?? "medium" };
  });
}

/**
 * The opencode tool id and input for a call of the agent's tool `name` with `input`. Unknown tools keep their own
 * name and input; known ones get opencode's keys, and keep every other key the agent sent.
 */
export function mapToolCall(name: string, rawInput: unknown): { tool: string; input: Data } {
  const tool = TOOL_IDS[name] ?? name;
  const source = record(rawInput) ?? (rawInput === undefined ? {} : { input: rawInput });
  const input: Data = {};
  for (const [key, value] of Object.entries(source)) input[INPUT_KEYS[key] ?? key] = value;
  switch (tool) {
    case "bash": {
      const command = commandText(source.command ?? source.cmd);
      if (command !== undefined) input.command = command;
      delete input.cmd;
      if (source.dir_path !== undefined && input.workdir === undefined) input.workdir = source.dir_path;
      break;
    }
    case "read":
      if (input.filePath === undefined && typeof (source.absolute_path ?? source.path) === "string") {
        input.filePath = source.absolute_path ?? source.path;
      }
      break;
    case "task":
      if (input.subagent_type === undefined && source.agent_name !== undefined) input.subagent_type = source.agent_name;
      if (input.description === undefined && typeof source.prompt === "string") {
        input.description = source.prompt.split("\n", 1)[0];
      }
      break;
    case "todowrite": {
      const todos = todosOf(source);
      if (todos) input.todos = todos;
      break;
    }
    case "apply_patch":
      if (typeof rawInput === "string") return { tool, input: { patchText: rawInput } };
      if (typeof source.input === "string" && input.patchText === undefined) input.patchText = source.input;
      break;
  }
  return { tool, input };
}

/** A one-line title for a tool call: what it ran or touched. */
export function toolTitle(tool: string, input: Data): string {
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  switch (tool) {
    case "bash":
      return text(input.description) || text(input.command);
    case "read":
    case "write":
    case "edit":
    case "multiedit":
      return text(input.filePath);
    case "grep":
    case "glob":
      return text(input.pattern);
    case "task":
      return text(input.description);
    case "webfetch":
      return text(input.url);
    case "websearch":
      return text(input.query);
    case "todowrite":
      return Array.isArray(input.todos) ? `${input.todos.length} todos` : "";
    default:
      return "";
  }
}

/** Metadata the page's renderer reads, derived from the input alone (before a result arrives). */
export function inputMetadata(tool: string, input: Data): Data {
  if (tool === "todowrite" && Array.isArray(input.todos)) return { todos: input.todos };
  if (tool === "bash" && typeof input.description === "string") return { description: input.description };
  return {};
}

/**
 * A unified diff in the form opencode's edit tool stores in `metadata.diff` (jsdiff's `createTwoFilesPatch`
 * layout), from hunks whose `lines` carry their ` `/`-`/`+` prefix (Claude Code's `structuredPatch`).
 */
export function unifiedDiff(
  file: string,
  hunks: readonly { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[],
): { diff: string; additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  const out = [`Index: ${file}`, "=".repeat(67), `--- ${file}`, `+++ ${file}`];
  for (const hunk of hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) {
      if (line.startsWith("+")) additions++;
      else if (line.startsWith("-")) deletions++;
      out.push(line);
    }
  }
  return { diff: `${out.join("\n")}\n`, additions, deletions };
}

/** Lines added and removed by a unified diff (file headers excluded). */
export function diffCounts(diff: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const line of diff.split("\n")) {
    if (line.startsWith("+") && !line.startsWith("+++")) additions++;
    else if (line.startsWith("-") && !line.startsWith("---")) deletions++;
  }
  return { additions, deletions };
}
