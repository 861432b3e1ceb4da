/**
 * Gemini CLI chats (`~/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl`, subagents in
 * `chats/<parentSessionId>/<subagentSessionId>.jsonl`) → opencode items. The file is JSONL with upserts: a record
 * appended again with the same `id` replaces the earlier one, `{"$set": {...}}` updates metadata (`messages`
 * replaces them all), `{"$rewindTo": id}` drops that record and every later one. Only `user` and `gemini` records
 * are read; the `<session_context>` preamble (machine context) and `info`/`warning`/`error` notices never are.
 * What is read: docs/agents.md, "What is sent, and what never is".
 */
import { Conversation, type Data, titleOf } from "../conversation.ts";
import { itemId, sessionId, timeOf } from "../ids.ts";
import { diffCounts, inputMetadata, mapToolCall, toolTitle } from "../tools.ts";
import { parseLine, type ReaderOptions, type TranscriptReader } from "./types.ts";
import { arr, imageExtension, num, rec, str } from "./util.ts";

/** Context Gemini CLI writes as a user record at session start. */
const HARNESS_TEXT = /^\s*<session_context>/;

/** Order bytes of the parts of one `gemini` record: thoughts first, then the text, then the tool calls. */
const TEXT_ORDER = 0x40;
const TOOL_ORDER = 0x80;

class GeminiReader implements TranscriptReader {
  private native: string;
  private readonly records = new Map<string, Data>();
  private started = 0;
  private updated = 0;

  private readonly options: ReaderOptions;

  constructor(options: ReaderOptions) {
    this.options = options;
    this.native = options.nativeId;
  }

  push(line: string): void {
    const row = parseLine(line);
    if (!row) return;
    if ("$rewindTo" in row) {
      this.rewind(str(row.$rewindTo));
      return;
    }
    if ("$set" in row) {
      const set = rec(row.$set) ?? {};
      if (Array.isArray(set.messages)) {
        this.records.clear();
        for (const record of set.messages) this.upsert(rec(record));
      }
      this.updated = Math.max(this.updated, timeOf(set.lastUpdated));
      return;
    }
    if (typeof row.sessionId === "string" && row.type === undefined) {
      if (this.records.size === 0) this.native = row.sessionId;
      this.started = timeOf(row.startTime, this.started);
      this.updated = Math.max(this.updated, timeOf(row.lastUpdated));
      return;
    }
    this.upsert(row);
  }

  private upsert(record: Data | undefined): void {
    const id = str(record?.id);
    if (!record || !id) return;
    this.records.set(id, record);
    this.updated = Math.max(this.updated, timeOf(record.timestamp));
  }

  private rewind(id: string | undefined): void {
    if (!id || !this.records.has(id)) return;
    let dropping = false;
    for (const key of [...this.records.keys()]) {
      if (key === id) dropping = true;
      if (dropping) this.records.delete(key);
    }
  }

  private sessionID(): string {
    return sessionId("gemini", this.native);
  }

  items() {
    return this.build().items();
  }

  cwd() {
    return this.options.cwd;
  }

  /** Maps the current records; cheap enough to redo on each call (records are replaced in place by upserts). */
  private build(): Conversation {
    const conv = new Conversation(this.sessionID(), "gemini");
    const session = conv.session;
    if (this.options.child) {
      session.parentID = this.options.child.parentID;
      if (this.options.child.title) session.title = this.options.child.title;
    }
    if (this.options.cwd) session.directory = this.options.cwd;
    if (this.options.version) {
      session.version = this.options.version;
      (session.agent as Data).version = this.options.version;
    }
    let first = this.started;
    let lastUser: string | undefined;
    // Ids use the latest timestamp so far (+1 ms per record), so they sort in record order even where timestamps
    // step back or repeat.
    let clock = 0;
    for (const [nativeId, record] of this.records) {
      const ts = timeOf(record.timestamp);
      clock = Math.max(clock + 1, ts);
      if (!first || (ts && ts < first)) first = ts;
      if (record.type === "user") {
        const id = this.user(conv, nativeId, record, ts, clock);
        if (id) lastUser = id;
      } else if (record.type === "gemini") {
        this.gemini(conv, nativeId, record, { ts, clock }, lastUser);
      }
    }
    session.time = { created: first, updated: Math.max(this.updated, first) };
    return conv;
  }

  private user(conv: Conversation, nativeId: string, record: Data, ts: number, clock: number): string | undefined {
    const content = typeof record.content === "string" ? [{ text: record.content }] : arr(record.content);
    const parts: Data[] = [];
    for (const raw of content) {
      const block = rec(raw);
      if (!block) continue;
      const text = str(block.text);
      if (text !== undefined) {
        if (text.trim() !== "" && !HARNESS_TEXT.test(text)) parts.push({ type: "text", text });
        continue;
      }
      const inline = rec(block.inlineData);
      if (inline) {
        const mime = str(inline.mimeType) ?? "application/octet-stream";
        parts.push({
          type: "file",
          mime,
          filename: `file.${imageExtension(mime)}`,
          url: `data:${mime};base64,${str(inline.data) ?? ""}`,
        });
      }
    }
    if (parts.length === 0) return undefined;
    const id = itemId("msg", clock, `gemini:${nativeId}`);
    conv.putMessage({ id, role: "user", time: { created: ts } });
    parts.forEach((part, index) => {
      conv.putPart(id, { ...part, id: itemId("prt", clock, `${nativeId}:${index}`, index) } as never);
    });
    const text = parts.find((part) => part.type === "text");
    if (!conv.session.title && text) conv.session.title = titleOf(String(text.text));
    return id;
  }

  private gemini(
    conv: Conversation,
    nativeId: string,
    record: Data,
    { ts, clock }: { ts: number; clock: number },
    parentID: string | undefined,
  ): void {
    const id = itemId("msg", clock, `gemini:${nativeId}`);
    const tokens = rec(record.tokens) ?? {};
    const cached = num(tokens.cached) ?? 0;
    let completed = ts;
    conv.putMessage({ id, role: "assistant" });
    arr(record.thoughts).forEach((raw, index) => {
      const thought = rec(raw);
      const subject = str(thought?.subject);
      const description = str(thought?.description) ?? "";
      const text = subject ? `**${subject}** ${description}` : description;
      if (text.trim() === "") return;
      const at = timeOf(thought?.timestamp, ts);
      conv.putPart(id, {
        id: itemId("prt", clock, `${nativeId}:thought:${index}`, index),
        type: "reasoning",
        text,
        time: { start: at, end: at },
      });
    });
    const text =
      typeof record.content === "string"
        ? record.content
        : arr(record.content)
            .map((block) => str(rec(block)?.text) ?? "")
            .join("");
    if (text.trim() !== "") {
      conv.putPart(id, {
        id: itemId("prt", clock, `${nativeId}:text`, TEXT_ORDER),
        type: "text",
        text,
        time: { start: ts, end: ts },
      });
    }
    arr(record.toolCalls).forEach((raw, index) => {
      const call = rec(raw);
      if (!call) return;
      const name = str(call.name) ?? "tool";
      const callID = str(call.id) ?? `${nativeId}:${index}`;
      const { tool, input } = mapToolCall(name, call.args);
      const end = timeOf(call.timestamp, ts);
      completed = Math.max(completed, end);
      const metadata: Data = inputMetadata(tool, input);
      const display = call.resultDisplay;
      const fileDiff = str(rec(display)?.fileDiff);
      if (fileDiff && (tool === "edit" || tool === "write")) {
        const file = str(rec(display)?.fileName) ?? str(input.filePath) ?? "file";
        metadata.diff = fileDiff;
        metadata.filediff = { file, ...diffCounts(fileDiff) };
      }
      const output = toolOutput(call);
      if (tool === "bash") {
        const exit = /Exit Code: (-?\d+)/.exec(output)?.[1];
        Object.assign(metadata, { output, exit: exit === undefined ? 0 : Number(exit) });
      }
      const agentId = str(call.agentId);
      if (agentId && tool === "task") {
        metadata.sessionId = sessionId("gemini", agentId);
      }
      const title = toolTitle(tool, input) || str(call.description) || "";
      const status = str(call.status);
      const state: Data =
        status === "success"
          ? { status: "completed", input, output, title, metadata, time: { start: ts, end } }
          : status === "error" || status === "cancelled"
            ? { status: "error", input, error: output || status, title, metadata, time: { start: ts, end } }
            : { status: "running", input, title, metadata, time: { start: ts } };
      conv.putPart(id, {
        id: itemId("prt", clock, `tool:${callID}`, TOOL_ORDER + index),
        type: "tool",
        callID,
        tool,
        metadata: { agentTool: name },
        state,
      });
    });
    conv.putMessage({
      id,
      role: "assistant",
      time: { created: ts, completed },
      parentID,
      modelID: str(record.model) ?? "",
      providerID: "google",
      mode: "build",
      path: { cwd: this.options.cwd ?? "", root: this.options.cwd ?? "" },
      cost: 0,
      tokens: {
        input: Math.max(0, (num(tokens.input) ?? 0) - cached),
        output: num(tokens.output) ?? 0,
        reasoning: num(tokens.thoughts) ?? 0,
        cache: { read: cached, write: 0 },
      },
    });
  }
}

/** The text a tool call returned to the model: its `functionResponse` output (or error), else its display. */
function toolOutput(call: Data): string {
  const texts: string[] = [];
  for (const raw of arr(call.result)) {
    const response = rec(rec(rec(raw)?.functionResponse)?.response);
    const text = str(response?.output) ?? str(response?.error);
    if (text !== undefined) texts.push(text);
  }
  if (texts.length > 0) return texts.join("\n");
  return str(call.resultDisplay) ?? "";
}

/** A reader of one Gemini CLI chat file (main session or subagent). */
export function createGeminiReader(options: ReaderOptions): TranscriptReader {
  return new GeminiReader(options);
}
