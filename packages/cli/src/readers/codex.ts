/**
 * Codex CLI rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<threadId>.jsonl`) → opencode items. The
 * conversation is built from `response_item` rows only, which both history modes (`paginated` in 0.171, `legacy`
 * before) write; `event_msg` rows give tokens and turn ends. Never read: `base_instructions` (the system prompt),
 * `developer` messages, harness text in user messages (`<environment_context>`, permission and skill
 * instructions), `world_state`. What is read: docs/agents.md, "What is sent, and what never is".
 */
import { Conversation, type Data, titleOf } from "../conversation.ts";
import { itemId, sessionId, timeOf } from "../ids.ts";
import { diffCounts, inputMetadata, mapToolCall, toolTitle } from "../tools.ts";
import { parseLine, type ReaderOptions, type TranscriptReader } from "./types.ts";
import { arr, imageExtension, num, rec, str } from "./util.ts";

/** User-role text Codex writes itself: context, instructions, notices. Tag names from the 0.171 rollouts. */
const HARNESS_TEXT =
  /^\s*(<(environment_context|user_instructions|permissions instructions|skills_instructions|INSTRUCTIONS|turn_aborted|user_shell_command|collaboration_mode|apps_instructions)\b|# AGENTS\.md instructions)/;

interface ToolRef {
  messageID: string;
  partID: string;
}

class CodexReader implements TranscriptReader {
  private conv: Conversation;
  private readonly tools = new Map<string, ToolRef>();
  private assistant: string | undefined;
  /** Set after a tool's output: the model's next item is a new reply (a new assistant message). */
  private replied = true;
  private lastUser: string | undefined;
  private line = 0;
  private model = "";
  private provider = "openai";
  private directory: string | undefined;
  /**
   * The latest timestamp so far, plus 1 ms per new message: ids use it, so they sort in file order even where
   * timestamps step back or repeat.
   */
  private clock = 0;

  constructor(options: ReaderOptions) {
    this.conv = new Conversation(sessionId("codex", options.nativeId), "codex");
  }

  push(text: string): void {
    const index = this.line++;
    const row = parseLine(text);
    if (!row) return;
    const ts = timeOf(row.timestamp);
    this.clock = Math.max(this.clock, ts);
    const payload = rec(row.payload) ?? {};
    switch (row.type) {
      case "session_meta":
        this.meta(payload, ts);
        return;
      case "turn_context":
        this.model = str(payload.model) ?? this.model;
        this.directory = str(payload.cwd) ?? this.directory;
        return;
      case "response_item":
        this.touch(ts);
        this.responseItem(payload, ts, index);
        return;
      case "compacted":
        this.touch(ts);
        this.compaction(ts, index);
        return;
      case "event_msg":
        this.event(payload, ts);
        return;
    }
  }

  items() {
    return this.conv.items();
  }

  cwd() {
    return this.directory;
  }

  private meta(payload: Data, ts: number): void {
    const id = str(payload.id);
    if (id && this.conv.empty && sessionId("codex", id) !== this.conv.sessionID) {
      this.conv = new Conversation(sessionId("codex", id), "codex");
    }
    const session = this.conv.session;
    const version = str(payload.cli_version);
    if (version) {
      (session.agent as Data).version = version;
      session.version = version;
    }
    this.provider = str(payload.model_provider) ?? this.provider;
    this.directory = str(payload.cwd) ?? this.directory;
    if (this.directory) session.directory = this.directory;
    this.touch(timeOf(payload.timestamp, ts));
  }

  private touch(ts: number): void {
    const time = this.conv.session.time as { created: number; updated: number };
    if (!time.created || (ts && ts < time.created)) time.created = ts;
    if (ts > time.updated) time.updated = ts;
    if (this.directory) this.conv.session.directory = this.directory;
  }

  private responseItem(item: Data, ts: number, index: number): void {
    const native = str(item.id) ?? str(item.call_id) ?? `line:${index}`;
    switch (item.type) {
      case "message": {
        const role = item.role;
        if (role === "user") this.userMessage(item, ts, native);
        else if (role === "assistant") {
          const text = arr(item.content)
            .map((block) => str(rec(block)?.text) ?? "")
            .join("");
          if (text) this.addPart(ts, native, { type: "text", text, time: { start: ts, end: ts } });
        }
        return;
      }
      case "reasoning": {
        const text = arr(item.summary)
          .map((entry) => str(rec(entry)?.text) ?? "")
          .filter((s) => s !== "")
          .join("\n\n");
        if (text) this.addPart(ts, native, { type: "reasoning", text, time: { start: ts, end: ts } });
        return;
      }
      case "function_call":
      case "custom_tool_call":
      case "local_shell_call":
      case "web_search_call": {
        const name = str(item.name) ?? (item.type === "web_search_call" ? "web_search" : "local_shell");
        const raw = item.type === "function_call" ? parseArguments(item.arguments) : (item.input ?? item.action);
        const { tool, input } = mapToolCall(name, raw);
        const callID = str(item.call_id) ?? native;
        const state: Data =
          item.type === "web_search_call"
            ? { status: "completed", input, output: "", title: toolTitle(tool, input), time: { start: ts, end: ts } }
            : { status: "running", input, title: toolTitle(tool, input), time: { start: ts } };
        state.metadata = inputMetadata(tool, input);
        const ref = this.addPart(ts, `tool:${callID}`, {
          type: "tool",
          callID,
          tool,
          metadata: { agentTool: name },
          state,
        });
        if (ref) this.tools.set(callID, ref);
        return;
      }
      case "function_call_output":
      case "custom_tool_call_output":
        this.toolOutput(item, ts);
        return;
    }
  }

  private userMessage(item: Data, ts: number, native: string): void {
    const kinds = arr(rec(item.internal_chat_message_metadata_passthrough)?.content_item_kinds);
    if (kinds.length > 0 && !kinds.every((kind) => typeof kind === "string" && kind.startsWith("user."))) return;
    const parts: Data[] = [];
    for (const raw of arr(item.content)) {
      const block = rec(raw);
      if (!block) continue;
      if (block.type === "input_text") {
        const text = str(block.text) ?? "";
        if (text.trim() !== "" && !HARNESS_TEXT.test(text)) parts.push({ type: "text", text });
      } else if (block.type === "input_image") {
        const url = str(block.image_url) ?? "";
        const mime = /^data:([^;,]+)/.exec(url)?.[1] ?? "image/png";
        if (url) parts.push({ type: "file", mime, filename: `image.${imageExtension(mime)}`, url });
      }
    }
    if (parts.length === 0) return;
    const id = itemId("msg", ++this.clock, `user:${native}`);
    this.conv.putMessage({ id, role: "user", time: { created: ts }, model: this.modelRef() });
    parts.forEach((part, index) => {
      this.conv.putPart(id, { ...part, id: itemId("prt", this.clock, `${native}:${index}`, index) } as never);
    });
    const text = parts.find((part) => part.type === "text");
    if (!this.conv.session.title && text) this.conv.session.title = titleOf(String(text.text));
    this.lastUser = id;
    this.assistant = undefined;
    this.replied = true;
  }

  private modelRef(): Data {
    return { providerID: this.provider, modelID: this.model };
  }

  /** Adds a part to the current reply, opening a new assistant message when the model starts a new reply. */
  private addPart(ts: number, native: string, part: Data): { messageID: string; partID: string } | undefined {
    if (!this.assistant || this.replied) {
      this.assistant = itemId("msg", ++this.clock, `assistant:${native}`);
      this.conv.putMessage({
        id: this.assistant,
        role: "assistant",
        time: { created: ts },
        parentID: this.lastUser,
        modelID: this.model,
        providerID: this.provider,
        mode: "build",
        path: { cwd: this.directory ?? "", root: this.directory ?? "" },
        cost: 0,
        tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
      });
      this.replied = false;
    }
    const message = this.conv.message(this.assistant);
    if (message) {
      const time = rec(message.time) ?? {};
      this.conv.putMessage({ ...message, id: this.assistant, time: { ...time, completed: ts } });
    }
    const partID = itemId("prt", this.clock, native, this.conv.partCount(this.assistant));
    this.conv.putPart(this.assistant, { ...part, id: partID } as Data & { id: string; type: string });
    return { messageID: this.assistant, partID };
  }

  private toolOutput(item: Data, ts: number): void {
    this.replied = true;
    const callID = str(item.call_id);
    const ref = callID ? this.tools.get(callID) : undefined;
    const part = ref ? this.conv.part(ref.messageID, ref.partID) : undefined;
    if (!ref || !part) return;
    const state = rec(part.state) ?? {};
    const tool = str(part.tool) ?? "";
    const raw = item.output;
    const text = typeof raw === "string" ? raw : (str(rec(raw)?.content) ?? JSON.stringify(raw ?? ""));
    const { output, exit } = shellOutput(text);
    const metadata: Data = { ...rec(state.metadata) };
    if (tool === "bash") Object.assign(metadata, { output, exit });
    if (tool === "apply_patch") {
      const patch = str(rec(state.input)?.patchText) ?? "";
      Object.assign(metadata, diffCounts(patch));
    }
    const start = num(rec(state.time)?.start) ?? ts;
    const failed = exit !== undefined && exit !== 0;
    const next = failed
      ? { status: "error", input: state.input, error: output, metadata, title: state.title, time: { start, end: ts } }
      : {
          status: "completed",
          input: state.input,
          output,
          metadata,
          title: state.title,
          time: { start, end: ts },
        };
    this.conv.updatePart(ref.messageID, ref.partID, { state: next });
  }

  private event(payload: Data, ts: number): void {
    if (payload.type === "token_count") {
      const usage = rec(rec(payload.info)?.last_token_usage);
      const message = this.assistant ? this.conv.message(this.assistant) : undefined;
      if (!usage || !message || !this.assistant) return;
      const tokens = rec(message.tokens) ?? {};
      const cache = rec(tokens.cache) ?? {};
      const cached = num(usage.cached_input_tokens) ?? 0;
      this.conv.putMessage({
        ...message,
        id: this.assistant,
        tokens: {
          input: (num(tokens.input) ?? 0) + (num(usage.input_tokens) ?? 0) - cached,
          output: (num(tokens.output) ?? 0) + (num(usage.output_tokens) ?? 0),
          reasoning: (num(tokens.reasoning) ?? 0) + (num(usage.reasoning_output_tokens) ?? 0),
          cache: { read: (num(cache.read) ?? 0) + cached, write: num(cache.write) ?? 0 },
        },
      });
    } else if (payload.type === "task_complete" && this.assistant) {
      const message = this.conv.message(this.assistant);
      if (message) {
        this.touch(ts);
        const time = rec(message.time) ?? {};
        this.conv.putMessage({ ...message, id: this.assistant, time: { ...time, completed: ts }, finish: "stop" });
      }
    }
  }

  private compaction(ts: number, index: number): void {
    const id = itemId("msg", ++this.clock, `compacted:${index}`);
    this.conv.putMessage({ id, role: "user", time: { created: ts }, model: this.modelRef() });
    this.conv.putPart(id, { id: itemId("prt", this.clock, `compacted:${index}:0`), type: "compaction", auto: true });
    this.lastUser = id;
    this.assistant = undefined;
    this.replied = true;
  }
}

/** `function_call.arguments`: a JSON string of the call's arguments (kept as text when it is not JSON). */
function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return { arguments: value };
  }
}

/**
 * The command output and exit code in a Codex tool output: `…Process exited with code N…Output:\n<output>` (0.171
 * `exec_command`), `Exit code: N…Output:\n<output>` (`apply_patch`), or the JSON `{output, metadata: {exit_code}}`
 * of older `shell` calls; other text as it is.
 */
export function shellOutput(text: string): { output: string; exit?: number } {
  if (text.startsWith("{")) {
    // Codex before the unified exec tool: `{"output": "…", "metadata": {"exit_code": N, …}}`.
    try {
      const value = JSON.parse(text) as { output?: unknown; metadata?: { exit_code?: unknown } };
      if (typeof value.output === "string") {
        const exit = value.metadata?.exit_code;
        return typeof exit === "number" ? { output: value.output, exit } : { output: value.output };
      }
    } catch {
      // Not JSON after all: plain output.
    }
  }
  const code = /(?:Process exited with code|Exit code:)\s*(-?\d+)/.exec(text)?.[1];
  const marker = text.indexOf("Output:\n");
  if (code === undefined) return { output: text };
  return { output: marker >= 0 ? text.slice(marker + "Output:\n".length) : text, exit: Number(code) };
}

/** A reader of one Codex CLI rollout. */
export function createCodexReader(options: ReaderOptions): TranscriptReader {
  return new CodexReader(options);
}
