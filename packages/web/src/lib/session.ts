/**
 * What a share says, derived from its items: visible parts, totals, models, files changed, first lines, errors.
 * Pure functions over plain item data (no DOM, no Solid), so the page (through its store) and the worker's markdown
 * export (`share-markdown.ts`) show the same facts. Field names and shapes: docs/opencode-protocol.md §3.
 */
import { arr, byId, num, rec, str } from "./data";
import { roughLines } from "./diff";

/** Plain item data as the CLI sent it. */
export type Data = Record<string, unknown>;

/** Cost (USD) and tokens summed over a share's assistant messages. */
export interface Totals {
  cost: number;
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One changed file: from a `session_diff` entry or a user message's `summary.diffs`. */
export interface FileChange {
  file: string;
  /** A unified diff (`{file, patch}`, CLI ≥ ~1.3.18). */
  patch?: string;
  /** Whole contents before and after (`{file, before, after}`, older CLIs). */
  before?: string;
  after?: string;
  additions: number;
  deletions: number;
  status?: string;
}

/** Files changed by a share: per file, and the sums. */
export interface FilesChanged {
  files: FileChange[];
  additions: number;
  deletions: number;
}

/** Bookkeeping parts the CLI syncs that say nothing on their own (step boundaries are shown quietly elsewhere). */
const HIDDEN_PART_TYPES = new Set(["step-start", "step-finish", "snapshot", "patch"]);

/** Whether a part is shown: not bookkeeping, and for text and reasoning, not synthetic, ignored or empty. */
export function isVisiblePart(part: Data): boolean {
  const type = str(part.type) ?? "";
  if (HIDDEN_PART_TYPES.has(type)) return false;
  if (type === "text" || type === "reasoning") {
    return part.synthetic !== true && part.ignored !== true && (str(part.text) ?? "").trim() !== "";
  }
  return true;
}

/** Adds one token record (`{input, output, reasoning, cache: {read, write}}`) and a cost into `sum`. */
function addUsage(sum: Totals, cost: unknown, tokens: Data | undefined): void {
  sum.cost += num(cost) ?? 0;
  sum.input += num(tokens?.input) ?? 0;
  sum.output += num(tokens?.output) ?? 0;
  sum.reasoning += num(tokens?.reasoning) ?? 0;
  sum.cacheRead += num(rec(tokens?.cache)?.read) ?? 0;
  sum.cacheWrite += num(rec(tokens?.cache)?.write) ?? 0;
}

/** A zero {@link Totals}. */
function emptyTotals(): Totals {
  return { cost: 0, input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 };
}

/**
 * Cost and tokens summed over assistant messages; the session's own totals when no message carries any. Messages
 * win because the session item can be stale (the CLI may exit before its last batch, docs/opencode-protocol.md §1).
 */
export function computeTotals(messages: Iterable<Data | undefined>, session: Data | undefined): Totals {
  const sum = emptyTotals();
  let counted = false;
  for (const message of messages) {
    if (message?.role !== "assistant") continue;
    const tokens = rec(message.tokens);
    if (num(message.cost) === undefined && !tokens) continue;
    counted = true;
    addUsage(sum, message.cost, tokens);
  }
  if (counted) return sum;
  const fallback = emptyTotals();
  addUsage(fallback, session?.cost, rec(session?.tokens));
  return fallback;
}

/** Display names by `<providerID>/<modelID>`, from the data of a `model` item (an array of models). */
export function modelNamesOf(models: unknown): Map<string, string> {
  const names = new Map<string, string>();
  for (const model of arr(models)) {
    const data = rec(model);
    const id = str(data?.id);
    const name = str(data?.name);
    if (id && name) names.set(`${str(data?.providerID) ?? ""}/${id}`, name);
  }
  return names;
}

/** `<providerID>/<modelID>` of a message: assistant messages carry both flat, user messages in `model`. */
export function modelKeyOf(message: Data | undefined): string | undefined {
  const model = rec(message?.model);
  const id = str(message?.modelID) ?? str(model?.modelID) ?? str(model?.id);
  if (!id) return undefined;
  return `${str(message?.providerID) ?? str(model?.providerID) ?? ""}/${id}`;
}

/** The display name of model `key` (`<providerID>/<modelID>`): its name in the `model` item, else the model id. */
export function modelName(key: string, names: ReadonlyMap<string, string>): string {
  return names.get(key) ?? key.slice(key.indexOf("/") + 1);
}

/**
 * Who wrote a message and with what (role, model, agent): consecutive assistant messages with the same author are
 * steps of one turn, shown under one header.
 */
export function authorKey(message: Data | undefined): string {
  return `${str(message?.role)}/${modelKeyOf(message)}/${str(message?.agent)}`;
}

/**
 * The models a share used, in order of first use, by display name (the `model` item's name, else the model id):
 * from its messages, then the session's own model when no message names one.
 */
export function modelsUsed(
  messages: Iterable<Data | undefined>,
  session: Data | undefined,
  names: Map<string, string>,
): string[] {
  const seen = new Map<string, string>();
  const add = (key: string | undefined) => {
    if (key && !seen.has(key)) seen.set(key, modelName(key, names));
  };
  for (const message of messages) add(modelKeyOf(message));
  if (seen.size === 0) add(modelKeyOf(session));
  return [...seen.values()];
}

/** Reads one FileDiff of either shape; `undefined` for an entry without a file name. Counts may be strings. */
export function fileChangeOf(value: unknown): FileChange | undefined {
  const data = rec(value);
  const file = str(data?.file);
  if (!data || !file) return undefined;
  const count = (field: unknown) => {
    const n = typeof field === "string" ? Number(field) : num(field);
    return n !== undefined && Number.isFinite(n) && n >= 0 ? n : 0;
  };
  return {
    file,
    patch: str(data.patch),
    before: str(data.before),
    after: str(data.after),
    additions: count(data.additions),
    deletions: count(data.deletions),
    status: str(data.status),
  };
}

/** The per-turn diffs of a user message (`summary.diffs`). */
export function turnChanges(message: Data | undefined): FileChange[] {
  return sessionDiffChanges(rec(message?.summary)?.diffs);
}

/** Sums a list of file changes. */
export function sumChanges(files: FileChange[]): FilesChanged {
  let additions = 0;
  let deletions = 0;
  for (const file of files) {
    additions += file.additions;
    deletions += file.deletions;
  }
  return { files, additions, deletions };
}

/** The file changes of a `session_diff` item's data (an array of FileDiffs of either shape). */
export function sessionDiffChanges(sessionDiff: unknown): FileChange[] {
  return arr(sessionDiff)
    .map(fileChangeOf)
    .filter((change): change is FileChange => change !== undefined);
}

/**
 * Where a session was reverted (opencode's `/undo`): `session.revert = {messageID, partID?, snapshot?, diff?}`.
 * `undefined` when the session is not reverted (the field is absent, or cleared by a redo).
 */
export interface Revert {
  /** The first reverted message: it and every later message are undone. */
  messageID: string;
  partID?: string;
  /** The unified diff opencode undid (`revert.diff`), when it sent one. */
  diff?: string;
}

/** The {@link Revert} of a session item's data, or `undefined`. */
export function revertOf(session: Data | undefined): Revert | undefined {
  const revert = rec(session?.revert);
  const messageID = str(revert?.messageID);
  if (!messageID) return undefined;
  return { messageID, partID: str(revert?.partID), diff: str(revert?.diff) };
}

/**
 * Whether message `id` is undone by `revert`: it is the revert's message or later in id order. That is the rule of
 * opencode's own TUI, which hides every message whose id is at or after `revert.messageID` behind a revert marker
 * (https://github.com/sst/opencode, packages/opencode/src/cli/cmd/tui/routes/session/index.tsx).
 */
export function isReverted(id: string, revert: Revert | undefined): boolean {
  return revert !== undefined && byId(id, revert.messageID) >= 0;
}

/**
 * Files changed by the whole share: the `session_diff` item when it has entries (older CLIs), else every user
 * message's per-turn `summary.diffs`, latest turn winning per file (docs/opencode-protocol.md §1: in 1.18.33
 * `session_diff` is `[]` and per-turn diffs live in user messages). With a `revert`, reverted turns are left out,
 * and so is `session_diff`: after a revert opencode writes there the diffs of the reverted messages, which are no
 * longer changes of the session (opencode's packages/opencode/src/session/revert.ts).
 */
export function filesChanged(
  sessionDiff: unknown,
  userMessages: Iterable<Data | undefined>,
  revert?: Revert,
): FilesChanged {
  const whole = revert ? [] : sessionDiffChanges(sessionDiff);
  if (whole.length > 0) return sumChanges(whole);
  const byFile = new Map<string, FileChange>();
  for (const message of userMessages) {
    if (isReverted(str(message?.id) ?? "", revert)) continue;
    // A file changed in several turns counts every turn's lines: each turn's diff is against its own start.
    for (const change of turnChanges(message)) addChange(byFile, change);
  }
  return sumChanges([...byFile.values()]);
}

/** Adds `change` to its file's entry: the lines summed with the entry's, the rest (diff, status) the latest's. */
function addChange(byFile: Map<string, FileChange>, change: FileChange): void {
  const previous = byFile.get(change.file);
  byFile.set(
    change.file,
    previous
      ? {
          ...change,
          additions: previous.additions + change.additions,
          deletions: previous.deletions + change.deletions,
        }
      : change,
  );
}

/**
 * What a revert undid: the reverted user messages' per-turn diffs summed per file, else (older CLIs, whose user
 * messages carry no diffs) the `session_diff` item, which opencode fills with the reverted range's diffs.
 */
export function revertedChanges(
  sessionDiff: unknown,
  userMessages: Iterable<Data | undefined>,
  revert: Revert,
): FilesChanged {
  const reverted = [...userMessages].filter((message) => isReverted(str(message?.id) ?? "", revert));
  const fromTurns = filesChanged(undefined, reverted);
  return fromTurns.files.length > 0 ? fromTurns : sumChanges(sessionDiffChanges(sessionDiff));
}

/** The first non-empty line of `text`, trimmed and cut to `max` characters (an ellipsis marks the cut). */
export function firstLine(text: string, max = 120): string {
  const line =
    text
      .split("\n")
      .map((candidate) => candidate.trim())
      .find((candidate) => candidate !== "") ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** How a message ended badly, for showing it: aborted by the user, or failed with an error. */
export interface MessageFailure {
  kind: "aborted" | "error";
  /** `MessageAbortedError`, `APIError`, … */
  name: string;
  /** The error's own message, when it has one. */
  message?: string;
}

/** The failure of an assistant message (`error: {name, data: {message?}}`), or `undefined`. */
export function failureOf(message: Data | undefined): MessageFailure | undefined {
  const error = rec(message?.error);
  if (!error) return undefined;
  const name = str(error.name) ?? "Error";
  const detail = str(rec(error.data)?.message) ?? str(error.message);
  return { kind: name === "MessageAbortedError" ? "aborted" : "error", name, message: detail };
}

/** The duration (ms) between `time.created`/`start` and `time.completed`/`end` of a record, when both are known. */
export function durationOf(time: unknown): number | undefined {
  const t = rec(time);
  const start = num(t?.created) ?? num(t?.start);
  const end = num(t?.completed) ?? num(t?.end);
  return start !== undefined && end !== undefined && end >= start ? end - start : undefined;
}

/** The file-name extension of `path` (`ts`, `md`), lower-cased, or `""`. */
export function extensionOf(path: string | undefined): string {
  const name = path?.split(/[\\/]/).pop() ?? "";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : name.toLowerCase() === "dockerfile" ? "dockerfile" : "";
}

/** What a `retry` part says went wrong: the provider's error message, else the error's name. */
export function retryMessage(part: Data): string {
  const error = rec(part.error);
  return str(rec(error?.data)?.message) ?? str(error?.name) ?? "the request failed";
}

/** What to diff for one changed file: its unified patch, or its whole contents before and after; else nothing. */
export type ChangeSource = { patch: string } | { before: string; after: string; file: string };

/** The {@link ChangeSource} of a file change, or `undefined` when it carries neither a patch nor contents. */
export function changeSource(change: FileChange): ChangeSource | undefined {
  if (change.patch) return { patch: change.patch };
  if (change.before !== undefined || change.after !== undefined) {
    return { before: change.before ?? "", after: change.after ?? "", file: change.file };
  }
  return undefined;
}

/** The coding agent that made a share, for the header: `Claude Code 2.1.332`, `opencode 1.18.33`. */
export interface AgentInfo {
  name: string;
  version?: string;
}

/** Display names of the agents `shareroom share` maps, by the short id a session may carry instead of a name. */
const AGENT_NAMES: Record<string, string> = {
  claude: "Claude Code",
  "claude-code": "Claude Code",
  codex: "Codex CLI",
  gemini: "Gemini CLI",
  "gemini-cli": "Gemini CLI",
  opencode: "opencode",
};

/**
 * The agent of a session item: `session.agent = {name, version}` (set by `shareroom share` for Claude Code, Codex
 * CLI and Gemini CLI sessions; `name` may be a display name or a short id such as `claude`), else opencode with
 * `session.version` (opencode's own `session.agent` is a string, the name of its agent mode, and says nothing here).
 */
export function agentOf(session: Data | undefined): AgentInfo | undefined {
  const agent = rec(session?.agent);
  const name = str(agent?.name)?.trim();
  if (agent && name) {
    return { name: AGENT_NAMES[name.toLowerCase()] ?? name, version: str(agent.version) ?? str(session?.version) };
  }
  const version = str(session?.version);
  return version ? { name: "opencode", version } : undefined;
}

/** `Claude Code 2.1.332`, or the name alone without a version. */
export function agentLabel(agent: AgentInfo): string {
  return agent.version ? `${agent.name} ${agent.version}` : agent.name;
}

/** A session counts as running while its last turn is unfinished and it changed within this long (ms). */
export const ACTIVE_WITHIN_MS = 10 * 60_000;

/**
 * Whether the agent is still at work: its last turn is unfinished (`working`) and the session changed within
 * {@link ACTIVE_WITHIN_MS} of `now` (Unix ms). A CLI that exits mid-turn leaves the turn unfinished for ever, so
 * the age is what tells a running session from an ended one.
 */
export function isRunning(working: boolean, updatedAt: number | undefined, now: number): boolean {
  return working && updatedAt !== undefined && now - updatedAt < ACTIVE_WITHIN_MS;
}

/**
 * What the error names of opencode's assistant messages mean, for readers. The names are those of opencode's
 * `MessageV2` errors (https://github.com/sst/opencode/blob/dev/packages/opencode/src/session/message-v2.ts).
 */
const ERROR_TEXT: Record<string, string> = {
  MessageOutputLengthError: "The reply was cut off: it reached the model's output limit",
  ProviderAuthError: "The model provider refused the credentials",
  APIError: "The model provider answered with an error",
  UnknownError: "Something went wrong",
  ContextOverflowError: "The conversation no longer fits the model's context window",
};

/**
 * A reader's words for an error name: the known ones of {@link ERROR_TEXT}, else the name split into words
 * (`RateLimitError` → "Rate limit error").
 */
export function errorText(name: string): string {
  const known = ERROR_TEXT[name];
  if (known) return known;
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2");
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** Lines a unified diff adds and removes, as `roughLines` reads it (file headers not counted). */
function patchCounts(patch: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const line of roughLines(patch)) {
    if (line.kind === "add") additions++;
    else if (line.kind === "del") deletions++;
  }
  return { additions, deletions };
}

const lineCount = (text: string) => (text === "" ? 0 : text.replace(/\n$/, "").split("\n").length);

/** A count that may be a string (as `metadata.filediff` has them), else `fallback`. */
function countOr(value: unknown, fallback: number): number {
  const n = typeof value === "string" ? Number(value) : num(value);
  return n !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * Files changed as the completed tool calls tell it (`edit`/`multiedit`: `metadata.diff` and `metadata.filediff`;
 * `write`: the content written; `apply_patch`: `metadata.files`), one entry per file with the lines of every call
 * summed and the diff of the last one: for shares whose messages carry no per-turn diffs (a CLI that exited before
 * its summaries), so that the header does not say "0 changed" beside a page of edits.
 */
export function toolChanges(parts: Iterable<Data | undefined>): FileChange[] {
  const byFile = new Map<string, FileChange>();
  for (const part of parts) {
    if (part?.type !== "tool") continue;
    for (const change of partChanges(part)) addChange(byFile, change);
  }
  return [...byFile.values()];
}

/**
 * What one tool part changed, cached per part: items are replaced whole, never changed in place, so the files of a
 * share are summed again after every change without reading every patch again.
 */
const changesOfPart = new WeakMap<Data, FileChange[]>();

function partChanges(part: Data): FileChange[] {
  const cached = changesOfPart.get(part);
  if (cached) return cached;
  const found: FileChange[] = [];
  readToolChanges(part, (change) => found.push(change));
  changesOfPart.set(part, found);
  return found;
}

/** Calls `add` with each file change of a completed tool part (see {@link toolChanges}). */
function readToolChanges(part: Data, add: (change: FileChange) => void): void {
  const state = rec(part.state);
  if (state?.status !== "completed") return;
  const input = rec(state.input);
  const metadata = rec(state.metadata);
  const tool = str(part.tool);
  if (tool === "edit" || tool === "multiedit") {
    const file = str(input?.filePath);
    if (!file) return;
    const patch = str(metadata?.diff);
    const counted = patch ? patchCounts(patch) : { additions: 0, deletions: 0 };
    const filediff = rec(metadata?.filediff);
    add({
      file,
      patch,
      additions: countOr(filediff?.additions, counted.additions),
      deletions: countOr(filediff?.deletions, counted.deletions),
    });
  } else if (tool === "write") {
    const file = str(input?.filePath);
    const content = str(input?.content);
    if (file && content !== undefined)
      add({ file, before: "", after: content, additions: lineCount(content), deletions: 0 });
  } else if (tool === "apply_patch") {
    for (const entry of arr(metadata?.files)) {
      const data = rec(entry);
      const file = str(data?.relativePath) ?? str(data?.filePath);
      if (!data || !file) continue;
      const patch = str(data.diff);
      const counted = patch ? patchCounts(patch) : { additions: 0, deletions: 0 };
      add({
        file,
        patch,
        before: str(data.before),
        after: str(data.after),
        additions: countOr(data.additions, counted.additions),
        deletions: countOr(data.deletions, counted.deletions),
        status: str(data.type),
      });
    }
  }
}

/**
 * A line of markdown as plain text, for titles (the turn index): heading, quote and list markers, emphasis, inline
 * code ticks, and link and image syntax removed (`## Fix **the** [parser](x)` → "Fix the parser").
 */
export function plainLine(line: string): string {
  return line
    .replace(/^\s{0,3}(?:#{1,6}\s+|>\s*|[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)/, "")
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])[*_]([^*_\s][^*_]*?)[*_](?=[^\w*]|$)/g, "$1$2")
    .replace(/`+([^`]+)`+/g, "$1")
    .replace(/\s+#+\s*$/, "")
    .trim();
}
