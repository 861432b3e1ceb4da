/**
 * Diffs for display: unified patches parsed, and whole-file pairs diffed, by jsdiff (`diff`), which is loaded on
 * first use as its own chunk. Until it has loaded, {@link roughLines} gives the same lines without numbers, so a
 * diff takes its final height at once.
 */
import { arr, num, rec, str } from "./data";

/** One line of a diff as shown. Line numbers are 1-based; `hunk` lines carry the `@@ … @@` header. */
export interface DiffLine {
  kind: "add" | "del" | "context" | "hunk" | "note";
  text: string;
  oldLine?: number;
  newLine?: number;
}

/** One row of the side-by-side view: the old line on the left, the new one on the right (either may be absent). */
export interface SplitRow {
  kind: "pair" | "hunk";
  left?: DiffLine;
  right?: DiffLine;
  /** For `hunk` rows: the header text. */
  text?: string;
}

/** A parsed diff: its lines and counts. */
export interface ParsedDiff {
  lines: DiffLine[];
  additions: number;
  deletions: number;
}

/** What to diff: a unified patch, or whole contents before and after. */
export type DiffSource = { patch: string } | { before: string; after: string; file?: string };

/** Whole-file pairs larger than this (characters, both sides together) are not diffed: too slow for a page. */
export const MAX_DIFF_INPUT_CHARS = 1_000_000;

type JsDiff = typeof import("diff");
let loading: Promise<JsDiff> | undefined;
let loaded: JsDiff | undefined;

/** Loads jsdiff (once). Call early (e.g. when idle) so diffs render complete on first sight. */
export function loadDiff(): Promise<JsDiff> {
  loading ??= import("diff").then((module) => {
    loaded = module;
    return module;
  });
  return loading;
}

/** jsdiff when already loaded, else `undefined`. */
export function diffNow(): JsDiff | undefined {
  return loaded;
}

/** The lines of a unified patch without jsdiff: kinds from the first character, file headers dropped, no numbers. */
export function roughLines(patch: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const line of patch.replace(/\n$/, "").split("\n")) {
    if (/^(Index: |={3,}$|--- |\+\+\+ |diff --git |new file mode|deleted file mode|index [0-9a-f])/.test(line))
      continue;
    if (line.startsWith("@@")) lines.push({ kind: "hunk", text: line });
    else if (line.startsWith("+")) lines.push({ kind: "add", text: line.slice(1) });
    else if (line.startsWith("-")) lines.push({ kind: "del", text: line.slice(1) });
    else if (line.startsWith("\\")) lines.push({ kind: "note", text: line });
    else lines.push({ kind: "context", text: line.slice(1) });
  }
  return lines;
}

/** Lines of jsdiff hunks (`{oldStart, newStart, lines}`), numbered. */
function hunkLines(
  hunks: { oldStart: number; oldLines: number; newStart: number; newLines: number; lines: string[] }[],
): ParsedDiff {
  const lines: DiffLine[] = [];
  let additions = 0;
  let deletions = 0;
  for (const hunk of hunks) {
    lines.push({ kind: "hunk", text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@` });
    let oldLine = hunk.oldStart;
    let newLine = hunk.newStart;
    for (const line of hunk.lines) {
      const mark = line[0];
      const text = line.slice(1);
      if (mark === "+") {
        additions++;
        lines.push({ kind: "add", text, newLine: newLine++ });
      } else if (mark === "-") {
        deletions++;
        lines.push({ kind: "del", text, oldLine: oldLine++ });
      } else if (mark === "\\") lines.push({ kind: "note", text: line });
      else lines.push({ kind: "context", text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return { lines, additions, deletions };
}

/**
 * Parses or computes a diff with jsdiff (which must be loaded: see {@link loadDiff}). A patch of several files
 * yields all their hunks in order. Returns `undefined` for a whole-file pair over {@link MAX_DIFF_INPUT_CHARS}.
 */
export function parseDiff(jsdiff: JsDiff, source: DiffSource): ParsedDiff | undefined {
  if ("patch" in source) {
    let hunks: Parameters<typeof hunkLines>[0] = [];
    try {
      hunks = jsdiff.parsePatch(source.patch).flatMap((file) => file.hunks);
    } catch {
      return { lines: roughLines(source.patch), additions: 0, deletions: 0 };
    }
    // A patch jsdiff reads no hunk from (the CLI's own `*** Begin Patch` format, say) is shown line by line.
    if (hunks.length === 0) return { lines: roughLines(source.patch), additions: 0, deletions: 0 };
    return hunkLines(hunks);
  }
  if (source.before.length + source.after.length > MAX_DIFF_INPUT_CHARS) return undefined;
  const file = source.file ?? "file";
  return hunkLines(jsdiff.structuredPatch(file, file, source.before, source.after, "", "", { context: 3 }).hunks);
}

/** Pairs deletions with the additions that follow them, row by row, for the side-by-side view. */
export function splitRows(lines: DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let dels: DiffLine[] = [];
  let adds: DiffLine[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++)
      rows.push({ kind: "pair", left: dels[i], right: adds[i] });
    dels = [];
    adds = [];
  };
  for (const line of lines) {
    if (line.kind === "del") {
      if (adds.length > 0) flush();
      dels.push(line);
    } else if (line.kind === "add") adds.push(line);
    else {
      flush();
      if (line.kind === "hunk") rows.push({ kind: "hunk", text: line.text });
      else if (line.kind === "context") rows.push({ kind: "pair", left: line, right: line });
      else rows.push({ kind: "pair", left: line });
    }
  }
  flush();
  return rows;
}

/** One LSP diagnostic as the edit/write/apply_patch tools report it (`metadata.diagnostics[path][]`). */
export interface Diagnostic {
  file: string;
  /** 1-based, as editors show them. */
  line: number;
  column: number;
  severity: "error" | "warning" | "info" | "hint";
  message: string;
  source?: string;
}

const SEVERITIES = ["error", "warning", "info", "hint"] as const;

/**
 * The errors and warnings of `metadata.diagnostics` (`{[path]: [{range: {start: {line, character}}, severity,
 * message, source?}]}`, LSP positions 0-based) for the files in `paths` (all files when `paths` is empty), errors
 * first, at most `limit`.
 */
export function diagnosticsOf(metadata: unknown, paths: string[], limit = 20): Diagnostic[] {
  const byFile = rec(rec(metadata)?.diagnostics);
  if (!byFile) return [];
  const found: Diagnostic[] = [];
  for (const [file, list] of Object.entries(byFile)) {
    if (paths.length > 0 && !paths.includes(file)) continue;
    for (const value of arr(list)) {
      const item = rec(value);
      const severity = SEVERITIES[(num(item?.severity) ?? 1) - 1] ?? "error";
      if (severity !== "error" && severity !== "warning") continue;
      const start = rec(rec(item?.range)?.start);
      found.push({
        file,
        line: (num(start?.line) ?? 0) + 1,
        column: (num(start?.character) ?? 0) + 1,
        severity,
        message: str(item?.message) ?? "",
        source: str(item?.source),
      });
    }
  }
  found.sort((a, b) => (a.severity === b.severity ? a.line - b.line : a.severity === "error" ? -1 : 1));
  return found.slice(0, limit);
}
