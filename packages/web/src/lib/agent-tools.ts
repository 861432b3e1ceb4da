/**
 * Tool calls of Claude Code, Codex CLI and Gemini CLI as `shareroom share` maps them into tool parts: their inputs
 * in the agents' own field names, Codex's patch text, Claude's structured patch. Pure functions over item data, so
 * the renderers read one shape whatever the agent. Shapes: the agents' transcripts (docs/agents.md).
 */
import { arr, num, rec, str } from "./data";

/** The agents' snake_case input fields and the opencode names the renderers read. */
const INPUT_FIELDS: Record<string, string[]> = {
  file_path: ["filePath"],
  absolute_path: ["filePath"],
  old_string: ["oldString"],
  new_string: ["newString"],
  replace_all: ["replaceAll"],
  // Gemini CLI: the directory of run_shell_command, and the one list_directory lists.
  dir_path: ["workdir", "path"],
  // Codex CLI's exec_command.
  cmd: ["command"],
  // Gemini CLI's invoke_agent.
  agent_name: ["subagent_type"],
};

/**
 * A tool input with the agents' field names (`file_path`, `old_string`, …) also given under opencode's
 * (`filePath`, `oldString`, …), which win when both are present. Codex's free-form tools (apply_patch) take a
 * string: it is given as `{patchText}`. Anything else is returned as it is.
 */
export function normalizeInput(input: unknown): unknown {
  if (typeof input === "string") return { patchText: input };
  const data = rec(input);
  if (!data) return input;
  let out: Record<string, unknown> | undefined;
  for (const [from, names] of Object.entries(INPUT_FIELDS)) {
    if (data[from] === undefined) continue;
    for (const to of names) {
      if (data[to] !== undefined) continue;
      out ??= { ...data };
      // Codex may send a command as argv.
      out[to] = from === "cmd" && Array.isArray(data[from]) ? (data[from] as unknown[]).join(" ") : data[from];
    }
  }
  return out ?? data;
}

/** One file of a patch, in the shape of opencode's apply_patch `metadata.files`. */
export interface PatchFile {
  filePath: string;
  type: "add" | "update" | "delete" | "move";
  movePath?: string;
  /** A unified diff of the file's hunks (line numbers count from 1 in each file: the patch names none). */
  diff: string;
  additions: number;
  deletions: number;
}

/** One hunk of lines (` ` context, `-` removed, `+` added) as a unified diff hunk starting at `start`. */
function hunkText(lines: string[], start: { old: number; new: number }): string {
  const oldCount = lines.filter((line) => !line.startsWith("+")).length;
  const newCount = lines.filter((line) => !line.startsWith("-")).length;
  const header = `@@ -${oldCount ? start.old : 0},${oldCount} +${newCount ? start.new : 0},${newCount} @@`;
  start.old += oldCount;
  start.new += newCount;
  return [header, ...lines].join("\n");
}

/**
 * The files of a Codex patch (`*** Begin Patch` … `*** End Patch`: `*** Add File:`, `*** Delete File:`,
 * `*** Update File:` with an optional `*** Move to:` and `@@` hunks), each as a {@link PatchFile}. `[]` when the
 * text is not such a patch. Format: https://github.com/openai/codex, codex-rs/apply-patch/apply_patch_tool_instructions.md
 */
export function codexPatchFiles(text: string): PatchFile[] {
  if (!text.trimStart().startsWith("*** Begin Patch")) return [];
  const files: PatchFile[] = [];
  let file: (PatchFile & { hunks: string[][] }) | undefined;
  const finish = () => {
    if (!file) return;
    const start = { old: 1, new: 1 };
    const body = file.hunks.filter((hunk) => hunk.length > 0).map((hunk) => hunkText(hunk, start));
    const { hunks: _, ...rest } = file;
    files.push({
      ...rest,
      diff: [`--- a/${file.filePath}`, `+++ b/${file.movePath ?? file.filePath}`, ...body].join("\n"),
    });
    file = undefined;
  };
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    const header = /^\*\*\* (Add|Delete|Update) File: (.+)$/.exec(line);
    if (header) {
      finish();
      const type = header[1] === "Add" ? "add" : header[1] === "Delete" ? "delete" : "update";
      file = { filePath: header[2]!.trim(), type, diff: "", additions: 0, deletions: 0, hunks: [[]] };
      continue;
    }
    if (!file) continue;
    const move = /^\*\*\* Move to: (.+)$/.exec(line);
    if (move) {
      file.movePath = move[1]!.trim();
      file.type = "move";
    } else if (line.startsWith("@@")) {
      file.hunks.push([]);
    } else if (line.startsWith("*** ")) {
      // `*** End of File`, `*** End Patch`: nothing to show.
    } else if (line.startsWith("+") || line.startsWith("-") || line.startsWith(" ")) {
      file.hunks[file.hunks.length - 1]!.push(line);
      if (line.startsWith("+")) file.additions++;
      else if (line.startsWith("-")) file.deletions++;
    } else if (line === "" && file.type === "update") {
      file.hunks[file.hunks.length - 1]!.push(" ");
    }
  }
  finish();
  return files;
}

/**
 * Claude Code's `structuredPatch` (the Edit tool's result: hunks `{oldStart, oldLines, newStart, newLines,
 * lines}`, each line prefixed ` `, `-` or `+`) as a unified diff of `file`; `undefined` when it has no hunk.
 */
export function structuredPatchText(file: string, hunks: unknown): string | undefined {
  const body = arr(hunks)
    .map(rec)
    .filter((hunk): hunk is Record<string, unknown> => hunk !== undefined)
    .map((hunk) => {
      const lines = arr(hunk.lines).filter((line): line is string => typeof line === "string");
      const header = `@@ -${num(hunk.oldStart) ?? 1},${num(hunk.oldLines) ?? 0} +${num(hunk.newStart) ?? 1},${num(hunk.newLines) ?? 0} @@`;
      return [header, ...lines].join("\n");
    });
  return body.length > 0 ? [`--- a/${file}`, `+++ b/${file}`, ...body].join("\n") : undefined;
}

/** The unified diff an edit's metadata carries: opencode's `diff`, Gemini's `fileDiff`, Claude's `structuredPatch`. */
export function editDiffOf(metadata: unknown, file: string | undefined): string | undefined {
  const data = rec(metadata);
  return (
    str(data?.diff) ??
    str(data?.fileDiff) ??
    str(rec(data?.resultDisplay)?.fileDiff) ??
    structuredPatchText(file ?? "file", data?.structuredPatch)
  );
}
