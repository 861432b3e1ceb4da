/**
 * A share as one markdown document: what the page's "Copy as markdown" puts on the clipboard and what the worker
 * answers at `/share/:id.md` (and on `/share/:id` with `Accept: text/markdown`), for agents and for pasting.
 *
 * Pure (no DOM, no Solid, no Workers API), so the page and the worker run the same code on the same `Item[]`
 * (`GET /api/share/:id/data`). Everything in a share is untrusted text: it is copied as text, and content that is
 * not prose (commands, tool output, file contents, diffs) goes into code fences longer than any backtick run inside.
 */
import type { Item } from "@shareroom/shared";
import { createTwoFilesPatch } from "diff";
import { arr, byId, num, rec, str } from "./data";
import { MAX_DIFF_INPUT_CHARS } from "./diff";
import { formatCost, formatDuration, relativePath } from "./format";
import {
  agentLabel,
  agentOf,
  authorKey,
  changeSource,
  computeTotals,
  type Data,
  extensionOf,
  type FileChange,
  failureOf,
  filesChanged,
  isReverted,
  isVisiblePart,
  modelKeyOf,
  modelName,
  modelNamesOf,
  modelsUsed,
  retryMessage,
  revertOf,
} from "./session";

/** Longest tool output or file content copied into the document, in lines; the rest is counted, not copied. */
const MAX_BLOCK_LINES = 400;
/** Longest tool output or file content copied, in characters. */
const MAX_BLOCK_CHARS = 40_000;

/** Options of {@link buildShareMarkdown}. */
export interface MarkdownOptions {
  /** The share page's URL, printed under the title. */
  url?: string;
}

/** A share's items, grouped as the page shows them. */
interface Grouped {
  session?: Data;
  sessionDiff?: unknown;
  modelNames: Map<string, string>;
  messages: { id: string; data?: Data; parts: Data[] }[];
}

function group(items: readonly Item[]): Grouped {
  let session: Data | undefined;
  let sessionDiff: unknown;
  let models: unknown;
  const messages = new Map<string, { id: string; data?: Data; parts: Data[] }>();
  const entry = (id: string) => {
    let found = messages.get(id);
    if (!found) {
      found = { id, parts: [] };
      messages.set(id, found);
    }
    return found;
  };
  for (const item of items) {
    const data = rec(item?.data);
    if (item?.type === "session") session = data;
    else if (item?.type === "session_diff") sessionDiff = item.data;
    else if (item?.type === "model") models = item.data;
    else if (item?.type === "message" && data && str(data.id)) entry(str(data.id)!).data = data;
    else if (item?.type === "part" && data && str(data.messageID) && str(data.id))
      entry(str(data.messageID)!).parts.push(data);
  }
  const sorted = [...messages.values()].sort((a, b) => byId(a.id, b.id));
  for (const message of sorted) message.parts.sort((a, b) => byId(str(a.id) ?? "", str(b.id) ?? ""));
  return { session, sessionDiff, modelNames: modelNamesOf(models), messages: sorted };
}

/** A code fence around `text`, longer than any backtick run inside it. */
export function fence(text: string, info = ""): string {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const marks = "`".repeat(Math.max(3, longest + 1));
  return `${marks}${info}\n${text.replace(/\n$/, "")}\n${marks}`;
}

/** `text` cut to {@link MAX_BLOCK_LINES} lines and {@link MAX_BLOCK_CHARS} characters, with a note of what was cut. */
function capped(text: string): string {
  const lines = text.split("\n");
  let kept = lines.length > MAX_BLOCK_LINES ? lines.slice(0, MAX_BLOCK_LINES).join("\n") : text;
  if (kept.length > MAX_BLOCK_CHARS) kept = kept.slice(0, MAX_BLOCK_CHARS);
  if (kept.length === text.length) return text;
  const rest = lines.length - kept.split("\n").length;
  return `${kept}\n… (${rest > 0 ? `${rest} more lines` : `${text.length - kept.length} more characters`})`;
}

/** One line of prose: newlines folded, so a title or description cannot start a heading or a list. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/** Makes a single line safe to put in inline code. */
function code(text: string): string {
  const clean = inline(text);
  const ticks = clean.includes("`") ? "``" : "`";
  return `${ticks}${ticks === "``" ? " " : ""}${clean}${ticks === "``" ? " " : ""}${ticks}`;
}

/** `1,234` with a fixed locale, so the worker and every browser print the same document. */
function count(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A fence info string for a file's language, from its extension (`ts` → `ts`). */
function languageOf(path: string | undefined): string {
  return extensionOf(path).replace(/[^a-z0-9+-]/g, "");
}

function toolMarkdown(part: Data, cwd: string | undefined): string {
  const tool = str(part.tool) ?? "tool";
  const state = rec(part.state) ?? {};
  const status = str(state.status) ?? "unknown";
  const input = rec(state.input) ?? {};
  const metadata = rec(state.metadata) ?? {};
  const output = str(state.output);
  const path = str(input.filePath);
  const lines: string[] = [];
  const head = (summary: string | undefined) => {
    const flag = status === "completed" ? "" : ` _(${status})_`;
    lines.push(`**${tool}**${summary ? ` ${summary}` : ""}${flag}`);
  };
  switch (tool) {
    case "bash": {
      head(str(input.description) ? `— ${inline(str(input.description)!)}` : undefined);
      const text = output ?? str(metadata.output) ?? "";
      lines.push(fence(capped(`$ ${str(input.command) ?? ""}${text ? `\n${text}` : ""}`), "console"));
      const exit = num(metadata.exit);
      if (exit !== undefined && exit !== 0) lines.push(`Exit code ${exit}.`);
      break;
    }
    case "edit":
    case "multiedit":
    case "apply_patch": {
      const files = arr(metadata.files).length;
      head(path ? code(relativePath(path, cwd)) : files > 0 ? `${files} files` : undefined);
      const diff = str(metadata.diff) ?? str(input.patchText);
      if (diff) lines.push(fence(capped(diff), "diff"));
      else if (str(input.newString) !== undefined) {
        lines.push(
          fence(capped(`${str(input.oldString) ?? ""}`), "text"),
          "→",
          fence(capped(str(input.newString)!), "text"),
        );
      }
      break;
    }
    case "write":
      head(path ? code(relativePath(path, cwd)) : undefined);
      if (str(input.content) !== undefined) lines.push(fence(capped(str(input.content)!), languageOf(path)));
      break;
    case "read":
      head(path ? code(relativePath(path, cwd)) : undefined);
      break;
    case "todowrite":
    case "todoread": {
      head(undefined);
      const todos = arr(metadata.todos).length > 0 ? arr(metadata.todos) : arr(input.todos);
      for (const todo of todos.map(rec)) {
        if (!todo) continue;
        const mark = todo.status === "completed" ? "x" : " ";
        const note =
          todo.status === "in_progress" ? " _(in progress)_" : todo.status === "cancelled" ? " _(cancelled)_" : "";
        lines.push(`- [${mark}] ${inline(str(todo.content) ?? "")}${note}`);
      }
      break;
    }
    case "task": {
      const agent = str(input.subagent_type);
      head(`${str(input.description) ? `— ${inline(str(input.description)!)}` : ""}${agent ? ` (${agent})` : ""}`);
      if (str(input.prompt)) lines.push(fence(capped(str(input.prompt)!), "text"));
      if (output) lines.push(fence(capped(output), "text"));
      break;
    }
    case "glob":
    case "grep":
    case "list":
      head(
        [str(input.pattern), str(input.path)]
          .filter(Boolean)
          .map((value) => code(value!))
          .join(" in ") || undefined,
      );
      if (output) lines.push(fence(capped(output), "text"));
      break;
    case "webfetch":
      head(str(input.url) ? code(str(input.url)!) : undefined);
      break;
    default: {
      head(str(state.title) ? `— ${inline(str(state.title)!)}` : undefined);
      if (Object.keys(input).length > 0) lines.push(fence(capped(JSON.stringify(input, null, 2)), "json"));
      if (output) lines.push(fence(capped(output), "text"));
    }
  }
  if (status === "error" && str(state.error)) lines.push(fence(capped(str(state.error)!), "text"));
  return lines.join("\n\n");
}

function partMarkdown(part: Data, cwd: string | undefined): string | undefined {
  if (!isVisiblePart(part)) return undefined;
  switch (str(part.type)) {
    case "text":
      return str(part.text)!.trim();
    case "reasoning":
      return str(part.text)!
        .trim()
        .split("\n")
        .map((line, index) => (index === 0 ? `> _Thinking:_ ${line}` : `> ${line}`))
        .join("\n");
    case "file": {
      const path = str(rec(part.source)?.path);
      const name = str(part.filename) ?? (path ? relativePath(path, cwd) : "attachment");
      return `_Attachment:_ ${code(name)}${str(part.mime) ? ` (${inline(str(part.mime)!)})` : ""}`;
    }
    case "tool":
      return toolMarkdown(part, cwd);
    case "agent":
      return `_Agent:_ ${inline(str(part.name) ?? "unknown")}`;
    case "subtask":
      return `_Subtask for ${inline(str(part.agent) ?? "an agent")}:_ ${inline(str(part.description) ?? "")}${
        str(part.prompt) ? `\n\n${fence(capped(str(part.prompt)!), "text")}` : ""
      }`;
    case "retry":
      return `_Retry ${num(part.attempt) ?? ""}:_ ${inline(retryMessage(part))}`;
    case "compaction":
      return `_Context compacted${part.auto === true ? " automatically" : ""}._`;
    default:
      return `_(${inline(str(part.type) ?? "unknown")} part)_`;
  }
}

/** A diff for one changed file: its patch, or a patch computed from whole contents when small enough. */
function changeDiff(change: FileChange): string | undefined {
  const source = changeSource(change);
  if (!source || "patch" in source) return source?.patch;
  if (source.before.length + source.after.length > MAX_DIFF_INPUT_CHARS) return undefined;
  return createTwoFilesPatch(source.file, source.file, source.before, source.after, "", "", { context: 3 });
}

/**
 * Renders a share's items (`Item[]` as `GET /api/share/:id/data` answers) as markdown: a title, a facts list
 * (version, times, models, cost, tokens, files changed), every message in id order with its visible parts, and the
 * diffs of the files changed. Tool outputs and file contents longer than 400 lines or 40,000 characters are cut,
 * with a note. Never throws on odd data.
 */
export function buildShareMarkdown(items: readonly Item[], options: MarkdownOptions = {}): string {
  const { session, sessionDiff, modelNames, messages } = group(items);
  const datas = messages.map((message) => message.data);
  const totals = computeTotals(datas, session);
  const models = modelsUsed(datas, session, modelNames);
  const changes = filesChanged(
    sessionDiff,
    datas.filter((data) => data?.role === "user"),
    revertOf(session),
  );
  const time = rec(session?.time);
  const created = num(time?.created);
  const updated = num(time?.updated);
  const out: string[] = [`# ${inline(str(session?.title) ?? "") || "Untitled session"}`];

  const facts: string[] = [];
  if (options.url) facts.push(`Shared session: ${options.url}`);
  const agent = agentOf(session);
  if (agent) facts.push(inline(agentLabel(agent)));
  if (created !== undefined) facts.push(`Created ${iso(created)}`);
  if (updated !== undefined) facts.push(`Updated ${iso(updated)}`);
  if (created !== undefined && updated !== undefined && updated >= created) {
    facts.push(`Duration ${formatDuration(updated - created)}`);
  }
  if (models.length > 0) facts.push(`Models: ${models.map(inline).join(", ")}`);
  facts.push(`Cost: ${formatCost(totals.cost)}`);
  facts.push(
    `Tokens: ${count(totals.input)} input, ${count(totals.output)} output, ${count(totals.reasoning)} reasoning, ` +
      `${count(totals.cacheRead)} cache read, ${count(totals.cacheWrite)} cache write`,
  );
  if (changes.files.length > 0) {
    facts.push(`Files changed: ${changes.files.length} (+${count(changes.additions)} −${count(changes.deletions)})`);
  }
  out.push(facts.map((fact) => `- ${fact}`).join("\n"));

  let previousAuthor: string | undefined;
  const revert = revertOf(session);
  let revertMarked = false;
  for (const message of messages) {
    const data = message.data;
    if (!revertMarked && isReverted(message.id, revert)) {
      revertMarked = true;
      previousAuthor = undefined;
      out.push("---\n\n> **Reverted**: the messages below were undone (`/undo`); their changes are not counted.");
    }
    const role = str(data?.role);
    const cwd = str(rec(data?.path)?.cwd);
    const author = authorKey(data);
    const body = message.parts
      .map((part) => partMarkdown(part, cwd))
      .filter((text) => text !== undefined && text !== "");
    const failure = failureOf(data);
    if (role !== "assistant" || author !== previousAuthor) {
      const label =
        role === "user"
          ? "User"
          : role === "assistant"
            ? `Assistant${modelKeyOf(data) ? ` (${inline(modelName(modelKeyOf(data)!, modelNames))}${str(data?.agent) ? ` · ${inline(str(data!.agent)!)}` : ""})` : ""}`
            : "Message";
      const at = iso(num(rec(data?.time)?.created));
      out.push(`## ${label}${at ? ` — ${at}` : ""}`);
    }
    previousAuthor = role === "assistant" ? author : undefined;
    out.push(...(body as string[]));
    if (failure) {
      out.push(
        failure.kind === "aborted"
          ? "> **Interrupted** by the user."
          : `> **${inline(failure.name)}**${failure.message ? `: ${inline(failure.message)}` : ""}`,
      );
    }
  }

  if (changes.files.length > 0) {
    out.push("## Files changed");
    for (const change of changes.files) {
      out.push(`### ${code(change.file)} (+${count(change.additions)} −${count(change.deletions)})`);
      const diff = changeDiff(change);
      if (diff) out.push(fence(capped(diff), "diff"));
    }
  }
  return `${out.join("\n\n")}\n`;
}
