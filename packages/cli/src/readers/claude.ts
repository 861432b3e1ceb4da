/**
 * Claude Code transcripts (`~/.claude/projects/<cwd slug>/<sessionId>.jsonl`, subagents in
 * `<sessionId>/subagents/agent-<agentId>.jsonl`) → opencode items. What is read: docs/agents.md, "What is sent,
 * and what never is". Only `user`, `assistant` and the `compact_boundary` `system` rows are read (an allow-list):
 * attachments (system prompt snapshots, tool and skill listings, environment), API request rows and bookkeeping
 * rows never become items.
 */
import { Conversation, type Data, titleOf } from "../conversation.ts";
import { itemId, sessionId, timeOf } from "../ids.ts";
import { inputMetadata, mapToolCall, toolTitle, unifiedDiff } from "../tools.ts";
import { parseLine, type ReaderOptions, type TranscriptReader } from "./types.ts";
import { arr, imageExtension, num, rec, str, textOf } from "./util.ts";

/** User text that Claude Code itself writes (slash-command echoes, reminders): never shown as the user's words. */
const HARNESS_TEXT = /^\s*<(local-command-(stdout|stderr|caveat)|system-reminder|bash-(stdout|stderr))>/;

/** Reminders Claude Code inserts into user text for the model (tool lists, context): cut out wherever they are. */
const REMINDER = /<system-reminder>[\s\S]*?<\/system-reminder>\n?/g;

const FINISH: Record<string, string> = { tool_use: "tool-calls", end_turn: "stop", max_tokens: "length" };

interface ToolRef {
  messageID: string;
  partID: string;
}

/** The session id a Claude Code subagent's child session gets, from its `agentId`. */
export function claudeChildSessionId(agentId: string): string {
  return sessionId("claude", `agent:${agentId}`);
}

class ClaudeReader implements TranscriptReader {
  private readonly conv: Conversation;
  private readonly assistants = new Map<string, string>();
  private readonly tools = new Map<string, ToolRef>();
  private lastUser: string | undefined;
  private directory: string | undefined;
  /**
   * The latest timestamp so far, plus 1 ms per new message: ids use it, so they sort in file order even where
   * timestamps step back or repeat.
   */
  private clock = 0;

  constructor(options: ReaderOptions) {
    const id = options.child ? claudeChildSessionId(options.nativeId) : sessionId("claude", options.nativeId);
    this.conv = new Conversation(id, "claude");
    if (options.child) {
      this.conv.session.parentID = options.child.parentID;
      if (options.child.title) this.conv.session.title = options.child.title;
    }
  }

  push(line: string): void {
    const row = parseLine(line);
    if (!row) return;
    const type = row.type;
    if (type === "custom-title" || type === "ai-title") {
      const title = str(row.customTitle) ?? str(row.aiTitle);
      if (title && (type === "custom-title" || !this.conv.session.titleSet)) {
        this.conv.session.title = title;
        if (type === "custom-title") this.conv.session.titleSet = true;
      }
      return;
    }
    if (type !== "user" && type !== "assistant" && type !== "system") return;
    const ts = timeOf(row.timestamp);
    if (type === "system" && row.subtype !== "compact_boundary") return;
    this.touch(row, ts);
    this.clock = Math.max(this.clock, ts);
    if (type === "user") this.user(row, ts);
    else if (type === "assistant") this.assistant(row, ts);
    else this.compaction(row, ts);
  }

  items() {
    const session = this.conv.session;
    const { titleSet: _titleSet, ...data } = session;
    const items = this.conv.items();
    items[0] = { type: "session", data: data as Data & { id: string } };
    return items;
  }

  cwd() {
    return this.directory;
  }

  /** Session facts every conversation row carries: version, cwd, times. */
  private touch(row: Data, ts: number): void {
    const session = this.conv.session;
    const time = session.time as { created: number; updated: number };
    if (!time.created || (ts && ts < time.created)) time.created = ts;
    if (ts > time.updated) time.updated = ts;
    const version = str(row.version);
    if (version) {
      (session.agent as Data).version = version;
      session.version = version;
    }
    const cwd = str(row.cwd);
    if (cwd) {
      this.directory = cwd;
      session.directory = cwd;
    }
  }

  private user(row: Data, ts: number): void {
    if (row.isMeta === true) return;
    const content = rec(row.message)?.content;
    if (row.isCompactSummary === true) {
      this.compactSummary(row, ts, textOf(content).replace(REMINDER, "").trim());
      return;
    }
    const blocks: Data[] = [];
    if (typeof content === "string") blocks.push({ type: "text", text: content });
    for (const block of arr(content)) {
      const data = rec(block);
      if (!data) continue;
      if (data.type === "tool_result") this.toolResult(data, row, ts);
      else if (data.type === "text" || data.type === "image") blocks.push(data);
    }
    const shown = blocks.flatMap((block) => this.userBlock(block, ts));
    if (shown.length === 0) return;
    const uuid = str(row.uuid) ?? `${ts}`;
    const id = itemId("msg", ++this.clock, `user:${uuid}`);
    this.conv.putMessage({ id, role: "user", time: { created: ts } });
    shown.forEach((part, index) => {
      this.conv.putPart(id, { ...part, id: itemId("prt", this.clock, `${uuid}:${index}`, index) } as Data & {
        id: string;
        type: string;
      });
    });
    const firstText = shown.find((part) => part.type === "text");
    if (!this.conv.session.title && firstText) this.conv.session.title = titleOf(String(firstText.text));
    this.lastUser = id;
  }

  /** The part data a user block is shown as; none for harness text (a task notification completes its task). */
  private userBlock(block: Data, ts: number): Data[] {
    if (block.type === "image") {
      const source = rec(block.source);
      const mime = str(source?.media_type) ?? "image/png";
      const url =
        source?.type === "base64" ? `data:${mime};base64,${str(source.data) ?? ""}` : (str(source?.url) ?? "");
      return url ? [{ type: "file", mime, filename: `image.${imageExtension(mime)}`, url }] : [];
    }
    const text = (str(block.text) ?? "").replace(REMINDER, "");
    if (text.trim() === "" || HARNESS_TEXT.test(text)) return [];
    if (text.trimStart().startsWith("<task-notification>")) {
      this.taskNotification(text, ts);
      return [];
    }
    const command = /<command-name>([^<]*)<\/command-name>/.exec(text);
    if (command) {
      const args = /<command-args>([^<]*)<\/command-args>/.exec(text)?.[1]?.trim();
      return [{ type: "text", text: args ? `${command[1]} ${args}` : command[1] }];
    }
    return [{ type: "text", text }];
  }

  private assistant(row: Data, ts: number): void {
    const message = rec(row.message) ?? {};
    const uuid = str(row.uuid) ?? `${ts}`;
    const apiId = str(message.id) ?? uuid;
    let id = this.assistants.get(apiId);
    if (!id) {
      id = itemId("msg", ++this.clock, `assistant:${apiId}`);
      this.assistants.set(apiId, id);
    }
    const previous = this.conv.message(id);
    const created = num(rec(previous?.time)?.created) ?? ts;
    const usage = rec(message.usage) ?? {};
    const stop = str(message.stop_reason);
    this.conv.putMessage({
      ...previous,
      id,
      role: "assistant",
      time: stop ? { created, completed: ts } : { created },
      parentID: (previous?.parentID as string | undefined) ?? this.lastUser,
      modelID: str(message.model) ?? previous?.modelID ?? "",
      providerID: "anthropic",
      mode: "build",
      path: { cwd: this.directory ?? "", root: this.directory ?? "" },
      cost: 0,
      tokens: {
        input: num(usage.input_tokens) ?? 0,
        output: num(usage.output_tokens) ?? 0,
        reasoning: 0,
        cache: { read: num(usage.cache_read_input_tokens) ?? 0, write: num(usage.cache_creation_input_tokens) ?? 0 },
      },
      ...(stop ? { finish: FINISH[stop] ?? stop } : {}),
    });
    arr(message.content).forEach((raw, index) => {
      const block = rec(raw);
      if (!block) return;
      const order = this.conv.partCount(id);
      if (block.type === "thinking" || block.type === "text") {
        const text = str(block.type === "thinking" ? block.thinking : block.text) ?? "";
        if (text === "") return;
        this.conv.putPart(id, {
          id: itemId("prt", this.clock, `${uuid}:${index}`, order),
          type: block.type === "thinking" ? "reasoning" : "text",
          text,
          time: { start: ts, end: ts },
        });
      } else if (block.type === "tool_use") {
        const callID = str(block.id) ?? `${uuid}:${index}`;
        const name = str(block.name) ?? "tool";
        const { tool, input } = mapToolCall(name, block.input);
        const partID = itemId("prt", this.clock, `tool:${callID}`, order);
        this.conv.putPart(id, {
          id: partID,
          type: "tool",
          callID,
          tool,
          metadata: { agentTool: name },
          state: {
            status: "running",
            input,
            title: toolTitle(tool, input),
            metadata: inputMetadata(tool, input),
            time: { start: ts },
          },
        });
        this.tools.set(callID, { messageID: id, partID });
      }
    });
  }

  private toolResult(block: Data, row: Data, ts: number): void {
    const callID = str(block.tool_use_id);
    const ref = callID ? this.tools.get(callID) : undefined;
    const part = ref ? this.conv.part(ref.messageID, ref.partID) : undefined;
    if (!ref || !part) return;
    const state = rec(part.state) ?? {};
    const tool = str(part.tool) ?? "";
    const input = rec(state.input) ?? {};
    const output = textOf(block.content);
    const result = rec(row.toolUseResult);
    const metadata: Data = { ...rec(state.metadata), ...resultMetadata(tool, input, result, output, block) };
    const start = num(rec(state.time)?.start) ?? ts;
    const title = state.title ?? "";
    let next: Data;
    if (block.is_error === true) {
      next = { status: "error", input, error: output, metadata, title, time: { start, end: ts } };
    } else if (tool === "task" && result?.status === "async_launched") {
      next = { status: "running", input, title, metadata, time: { start } };
    } else {
      next = { status: "completed", input, output, title, metadata, time: { start, end: ts } };
    }
    const agentId = tool === "task" ? str(result?.agentId) : undefined;
    if (agentId) metadata.sessionId = claudeChildSessionId(agentId);
    this.conv.updatePart(ref.messageID, ref.partID, { state: next });
  }

  /** A background subagent finished: its `<result>` completes the `task` part that started it. */
  private taskNotification(text: string, ts: number): void {
    const callID = /<tool-use-id>([^<]*)<\/tool-use-id>/.exec(text)?.[1];
    const ref = callID ? this.tools.get(callID) : undefined;
    const part = ref ? this.conv.part(ref.messageID, ref.partID) : undefined;
    if (!ref || !part) return;
    const state = rec(part.state) ?? {};
    const output = /<result>([\s\S]*?)<\/result>/.exec(text)?.[1]?.trim() ?? "";
    const failed = /<status>(failed|error|killed)<\/status>/.test(text);
    const start = num(rec(state.time)?.start) ?? ts;
    const common = { input: state.input, title: state.title ?? "", metadata: state.metadata ?? {} };
    const next = failed
      ? { status: "error", ...common, error: output, time: { start, end: ts } }
      : { status: "completed", ...common, output, time: { start, end: ts } };
    this.conv.updatePart(ref.messageID, ref.partID, { state: next });
  }

  private compaction(row: Data, ts: number): void {
    const uuid = str(row.uuid) ?? `${ts}`;
    const id = itemId("msg", ++this.clock, `user:${uuid}`);
    const trigger = str(rec(row.compactMetadata)?.trigger);
    this.conv.putMessage({ id, role: "user", time: { created: ts } });
    this.conv.putPart(id, {
      id: itemId("prt", this.clock, `${uuid}:0`),
      type: "compaction",
      auto: trigger !== "manual",
    });
    this.lastUser = id;
  }

  /** The summary Claude Code continues from after a compaction: opencode's `summary` assistant message. */
  private compactSummary(row: Data, ts: number, text: string): void {
    const uuid = str(row.uuid) ?? `${ts}`;
    const id = itemId("msg", ++this.clock, `summary:${uuid}`);
    this.conv.putMessage({
      id,
      role: "assistant",
      summary: true,
      mode: "compaction",
      agent: "compaction",
      parentID: this.lastUser,
      time: { created: ts, completed: ts },
      modelID: "",
      providerID: "anthropic",
      path: { cwd: this.directory ?? "", root: this.directory ?? "" },
      cost: 0,
      tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    });
    if (text) {
      this.conv.putPart(id, { id: itemId("prt", this.clock, `${uuid}:0`), type: "text", text, time: { start: ts } });
    }
  }
}

/** Metadata the page's renderers read, from Claude Code's structured `toolUseResult`. */
function resultMetadata(tool: string, input: Data, result: Data | undefined, output: string, block: Data): Data {
  switch (tool) {
    case "bash": {
      const stdout = str(result?.stdout) ?? "";
      const stderr = str(result?.stderr) ?? "";
      const text = result ? [stdout, stderr].filter((s) => s !== "").join("\n") : output;
      const failed = block.is_error === true;
      const code = /^Exit code (\d+)/m.exec(output)?.[1];
      return { output: text, exit: code ? Number(code) : failed ? 1 : 0, description: input.description };
    }
    case "read": {
      const content = str(rec(result?.file)?.content);
      return content === undefined ? {} : { preview: content.split("\n").slice(0, 20).join("\n") };
    }
    case "write":
      return result ? { filepath: result.filePath ?? input.filePath, exists: result.type !== "create" } : {};
    case "edit":
    case "multiedit": {
      const hunks = arr(result?.structuredPatch) as Parameters<typeof unifiedDiff>[1];
      if (hunks.length === 0) return {};
      const file = str(result?.filePath) ?? str(input.filePath) ?? "file";
      const { diff, additions, deletions } = unifiedDiff(file, hunks);
      return { diff, filediff: { file, additions, deletions } };
    }
    default:
      return {};
  }
}

/** A reader of one Claude Code transcript (main session or subagent). */
export function createClaudeReader(options: ReaderOptions): TranscriptReader {
  return new ClaudeReader(options);
}
