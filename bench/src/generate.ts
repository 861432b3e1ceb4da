/**
 * A seeded generator of long opencode sessions, sent the way the CLI sends them (docs/opencode-protocol.md §1 "Timing"
 * and the captures in fixtures/): turns of a user message and assistant steps, each step an assistant message
 * with `step-start`, reasoning, text, tool calls and `step-finish` parts; parts sent as whole snapshots, tools first
 * `running` then `completed`, text and reasoning first unfinished then finished; the queue holds one value per key
 * (latest wins) and is cut into batches of about 15 items, each with `session`, `session_diff` and `model` re-sent,
 * as every batch of the 1.18.33 captures has them. Same seed, same bytes.
 *
 * Part sizes follow the captures' shapes, scaled up to real long sessions: ~1.7 KB per part on average (a
 * 3,000-part session is about 5 MB, the p99 session size in docs/reference "Sizes to design for").
 */
import { type Item, itemKey } from "@shareroom/shared";
import { unsafeUniformIntDistribution, xoroshiro128plus } from "pure-rand";

/** A seeded PRNG (pure-rand's xoroshiro128+) returning floats in [0, 1): the same session for the same seed. */
export function prng(seed: number): () => number {
  const generator = xoroshiro128plus(seed);
  return () => unsafeUniformIntDistribution(0, 0xffff_ffff, generator) / 0x1_0000_0000;
}

const WORDS = (
  "the a parser field quoted value row column test file function return error state update build run check " +
  "module import export config server request response share session message part tool output input cache " +
  "stream buffer token index merge key sequence durable object storage bucket segment head tail flush alarm " +
  "viewer socket reconnect snapshot render page list virtual scroll height width layout style theme diff patch " +
  "commit branch review fix bug regression failing passing edge case unicode escape newline delimiter csv json"
).split(" ");
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const FILES = ["src/parse.ts", "src/format.ts", "src/index.ts", "test/parse.test.ts", "README.md", "package.json"];
const TOOLS = ["read", "bash", "edit", "grep", "glob", "write", "todowrite", "webfetch"] as const;
const TOOL_WEIGHTS = [0.3, 0.24, 0.16, 0.1, 0.06, 0.06, 0.05, 0.03];

type Tool = (typeof TOOLS)[number];

/** What {@link generateSession} returns. */
export interface GeneratedSession {
  sessionID: string;
  /** Sync batches in the order the CLI would send them. */
  batches: Item[][];
  /** Distinct parts sent up to and including batch `i`. */
  partsAfter: number[];
  /** Bytes of the merged state (one latest item per key, as JSON) after batch `i`. */
  liveBytesAfter: number[];
  /** The merged state after the last batch. */
  final: Map<string, Item>;
}

/**
 * Options: `parts` distinct parts; `seed`; `batchItems` the mean items per batch (default 15); `outputScale` multiplies
 * the size of what the read, bash, write and webfetch tools output (default 1): a large share of few parts, as
 * sessions that read big files and logs are.
 */
export interface SessionOptions {
  parts: number;
  seed: number;
  batchItems?: number;
  outputScale?: number;
}

/**
 * Generates a session of `parts` distinct parts, cut into CLI-like sync batches. Deterministic for a seed.
 */
export function generateSession(options: SessionOptions): GeneratedSession {
  const random = prng(options.seed);
  const meanBatch = options.batchItems ?? 15;
  const scale = options.outputScale ?? 1;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const words = (count: number) => {
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(pick(WORDS));
    return out.join(" ");
  };
  /** Prose of about `bytes` bytes: sentences, some markdown. */
  const prose = (bytes: number) => {
    const out: string[] = [];
    let size = 0;
    while (size < bytes) {
      const roll = random();
      const line =
        roll < 0.1
          ? `## ${words(between(2, 5))}`
          : roll < 0.3
            ? `- \`${pick(FILES)}\`: ${words(between(4, 12))}.`
            : `${words(between(8, 24))}.`;
      out.push(line);
      size += line.length + 1;
    }
    return out.join("\n");
  };
  /** Code-like lines of about `bytes` bytes, numbered as the read tool shows them. */
  const code = (bytes: number, numbered: boolean) => {
    const out: string[] = [];
    let size = 0;
    for (let n = 1; size < bytes; n++) {
      const indent = "  ".repeat(between(0, 3));
      const line = `${indent}${pick(["const", "let", "if (", "return", "for (const", "await", "export function"])} ${words(between(2, 7)).replaceAll(" ", "_")}${pick([";", " {", ") {", "();", ","])}`;
      const text = numbered ? `${n}: ${line}` : line;
      out.push(text);
      size += text.length + 1;
    }
    return out.join("\n");
  };
  const idRandom = (length: number) => {
    let out = "";
    for (let i = 0; i < length; i++) out += BASE62[Math.floor(random() * 62)];
    return out;
  };

  let clock = 1_795_000_000_000;
  let counter = 0;
  /** opencode ids: prefix + 12 hex of time and counter (so ids sort in creation order) + 14 base62. */
  const newId = (prefix: string) => {
    counter = (counter + 1) & 0xfff;
    return `${prefix}_${(clock * 0x1000 + counter).toString(16).slice(-12)}${idRandom(14)}`;
  };
  const tick = (low: number, high: number) => {
    clock += between(low, high);
    return clock;
  };

  const sessionID = newId("ses");
  const created = clock;
  const totals = { cost: 0, input: 0, output: 0, reasoning: 0, read: 0 };
  const session = (): Item => ({
    type: "session",
    data: {
      id: sessionID,
      slug: "bench-session",
      projectID: "727f4a677e5c348c766ff97a0d066865f3bc9caa",
      directory: "/home/dev/csv-lite",
      path: "",
      title: "Benchmark: a long refactoring session",
      agent: "build",
      model: { id: "scripted-a", providerID: "mock", variant: "default" },
      version: "1.18.33",
      summary: { additions: 0, deletions: 0, files: 0 },
      cost: totals.cost,
      tokens: {
        input: totals.input,
        output: totals.output,
        reasoning: totals.reasoning,
        cache: { read: totals.read, write: 0 },
      },
      share: { url: "http://127.0.0.1/share/bench" },
      time: { created, updated: clock },
    },
  });
  const model: Item = {
    type: "model",
    data: [
      {
        id: "scripted-a",
        providerID: "mock",
        name: "Scripted A",
        family: "",
        status: "active",
        release_date: "",
        api: { id: "scripted-a", npm: "@ai-sdk/openai-compatible", url: "" },
        capabilities: {
          temperature: true,
          reasoning: true,
          attachment: true,
          toolcall: true,
          input: { text: true, audio: false, image: true, video: false, pdf: true },
          output: { text: true, audio: false, image: false, video: false, pdf: false },
          interleaved: false,
        },
        cost: { input: 3, output: 15, cache: { read: 0.3, write: 3.75 } },
        limit: { context: 200000, output: 32000 },
        variants: { low: { reasoningEffort: "low" }, high: { reasoningEffort: "high" } },
      },
    ],
  };
  const sessionDiff: Item = { type: "session_diff", data: [] };

  const batches: Item[][] = [];
  const partsAfter: number[] = [];
  const liveBytesAfter: number[] = [];
  const final = new Map<string, Item>();
  const finalBytes = new Map<string, number>();
  let liveBytes = 0;
  const seenParts = new Set<string>();
  const emittedParts = new Set<string>();
  let queue = new Map<string, Item>();
  let cut = between(meanBatch - 6, meanBatch);

  const flush = () => {
    if (queue.size === 0) return;
    const batch = [session(), sessionDiff, model, ...queue.values()];
    for (const item of batch) {
      const key = itemKey(item);
      const bytes = Buffer.byteLength(JSON.stringify(item));
      liveBytes += bytes - (finalBytes.get(key) ?? 0);
      finalBytes.set(key, bytes);
      final.set(key, item);
      if (item.type === "part") seenParts.add(key);
    }
    batches.push(batch);
    partsAfter.push(seenParts.size);
    liveBytesAfter.push(liveBytes);
    queue = new Map();
    cut = between(meanBatch - 6, meanBatch);
  };
  const emit = (item: Item) => {
    tick(40, 400);
    const key = itemKey(item);
    if (item.type === "part") emittedParts.add(key);
    queue.delete(key);
    queue.set(key, item);
    if (queue.size >= cut) flush();
  };

  const part = (messageID: string, id: string, type: string, fields: Record<string, unknown>): Item => ({
    type: "part",
    data: { id, messageID, sessionID, type, ...fields },
  });

  const toolFields = (tool: Tool) => {
    const file = `/home/dev/csv-lite/${pick(FILES)}`;
    switch (tool) {
      case "read": {
        const output = code(between(500, 9000) * scale, true);
        return {
          input: { filePath: file },
          output: `<path>${file}</path>\n<type>file</type>\n<content>\n${output}\n</content>`,
          metadata: { preview: output.slice(0, 1000), truncated: false },
          title: file,
        };
      }
      case "bash": {
        const output = random() < 0.3 ? prose(between(1000, 5000) * scale) : code(between(100, 1500) * scale, false);
        return {
          input: { command: `npm test -- ${pick(FILES)}`, description: words(between(3, 8)) },
          output,
          metadata: { output, exit: random() < 0.15 ? 1 : 0, description: words(4), truncated: false },
          title: "npm test",
        };
      }
      case "edit": {
        const oldString = code(between(80, 1200), false);
        const newString = code(between(80, 1500), false);
        const diff = `Index: ${file}\n===\n--- ${file}\n+++ ${file}\n@@ -1,5 +1,7 @@\n${oldString
          .split("\n")
          .map((line) => `-${line}`)
          .join("\n")}\n${newString
          .split("\n")
          .map((line) => `+${line}`)
          .join("\n")}`;
        return {
          input: { filePath: file, oldString, newString },
          output: "Edit applied successfully.",
          metadata: { diagnostics: {}, diff, filediff: { file, additions: 5, deletions: 3 } },
          title: file,
        };
      }
      case "grep":
      case "glob": {
        const lines = between(2, 30);
        const output = Array.from({ length: lines }, () => `/home/dev/csv-lite/${pick(FILES)}:${between(1, 400)}`);
        return {
          input: { pattern: words(1), include: "*.ts" },
          output: output.join("\n"),
          metadata: { matches: lines, truncated: false },
          title: words(1),
        };
      }
      case "write": {
        const content = code(between(400, 5000) * scale, false);
        return {
          input: { filePath: file, content },
          output: "Wrote file successfully.",
          metadata: { diagnostics: {}, filepath: file, exists: random() < 0.5 },
          title: file,
        };
      }
      case "todowrite": {
        const todos = Array.from({ length: between(3, 8) }, () => ({
          content: words(between(4, 10)),
          status: pick(["pending", "in_progress", "completed"]),
          priority: pick(["high", "medium", "low"]),
        }));
        return {
          input: { todos },
          output: JSON.stringify(todos, null, 2),
          metadata: { todos },
          title: `${todos.length} todos`,
        };
      }
      case "webfetch": {
        return {
          input: { url: "http://127.0.0.1/docs/rfc4180.html", format: "markdown" },
          output: prose(between(1000, 8000) * scale),
          metadata: {},
          title: "rfc4180",
        };
      }
    }
  };

  const pickTool = (): Tool => {
    let roll = random();
    for (let i = 0; i < TOOLS.length; i++) {
      roll -= TOOL_WEIGHTS[i]!;
      if (roll < 0) return TOOLS[i]!;
    }
    return "read";
  };

  let parentID = "";
  while (emittedParts.size < options.parts) {
    // A user turn.
    const userID = newId("msg");
    const userMessage: Item = {
      type: "message",
      data: {
        id: userID,
        sessionID,
        role: "user",
        time: { created: tick(1000, 20_000) },
        agent: "build",
        model: { providerID: "mock", modelID: "scripted-a" },
        summary: { diffs: [] },
      },
    };
    emit(userMessage);
    emit(part(userID, newId("prt"), "text", { text: prose(between(80, 800)) }));
    parentID = userID;
    const steps = between(1, 12);
    for (let step = 0; step < steps && emittedParts.size < options.parts; step++) {
      const messageID = newId("msg");
      const start = tick(100, 1000);
      const assistant = (completed?: number): Item => ({
        type: "message",
        data: {
          id: messageID,
          sessionID,
          role: "assistant",
          time: completed ? { created: start, completed } : { created: start },
          parentID,
          modelID: "scripted-a",
          providerID: "mock",
          mode: "build",
          agent: "build",
          path: { cwd: "/home/dev/csv-lite", root: "/home/dev/csv-lite" },
          cost: completed ? 0.0132 : 0,
          tokens: { input: 3074, output: 117, reasoning: 58, cache: { read: 4610, write: 0 } },
          ...(completed ? { finish: "tool-calls" } : {}),
        },
      });
      emit(assistant());
      emit(part(messageID, newId("prt"), "step-start", { snapshot: "70f4ad97bb70404ac9c8901c0279072049066b46" }));
      if (random() < 0.5) {
        const id = newId("prt");
        const text = prose(between(150, 1500));
        const begun = clock;
        emit(part(messageID, id, "reasoning", { text: text.slice(0, text.length >> 1), time: { start: begun } }));
        emit(part(messageID, id, "reasoning", { text, time: { start: begun, end: tick(50, 500) } }));
      }
      if (random() < 0.6) {
        const id = newId("prt");
        const text = prose(between(100, 3000));
        const begun = clock;
        if (random() < 0.5)
          emit(part(messageID, id, "text", { text: text.slice(0, text.length >> 1), time: { start: begun } }));
        emit(part(messageID, id, "text", { text, time: { start: begun, end: tick(50, 800) } }));
      }
      const tools = between(0, 3);
      const running: {
        id: string;
        tool: Tool;
        callID: string;
        fields: ReturnType<typeof toolFields>;
        begun: number;
      }[] = [];
      for (let t = 0; t < tools; t++) {
        const tool = pickTool();
        const entry = {
          id: newId("prt"),
          tool,
          callID: `call_${counter}_${t}`,
          fields: toolFields(tool),
          begun: clock,
        };
        running.push(entry);
        emit(
          part(messageID, entry.id, "tool", {
            tool,
            callID: entry.callID,
            state: { status: "running", input: entry.fields.input, time: { start: entry.begun } },
          }),
        );
      }
      for (const entry of running) {
        emit(
          part(messageID, entry.id, "tool", {
            tool: entry.tool,
            callID: entry.callID,
            state: { status: "completed", ...entry.fields, time: { start: entry.begun, end: tick(30, 3000) } },
          }),
        );
      }
      emit(
        part(messageID, newId("prt"), "step-finish", {
          reason: tools > 0 ? "tool-calls" : "stop",
          snapshot: "70f4ad97bb70404ac9c8901c0279072049066b46",
          tokens: { total: 7859, input: 3074, output: 117, reasoning: 58, cache: { write: 0, read: 4610 } },
          cost: 0.0132,
        }),
      );
      totals.cost += 0.0132;
      totals.input += 3074;
      totals.output += 117;
      totals.reasoning += 58;
      totals.read += 4610;
      emit(assistant(tick(10, 100)));
      parentID = userID;
    }
  }
  flush();
  return { sessionID, batches, partsAfter, liveBytesAfter, final };
}

/** The output scale of {@link generateLargeSession}: tool outputs 60× the usual, ~47 KB of live state per part. */
const LARGE_OUTPUT_SCALE = 60;
const LARGE_BYTES_PER_PART = 47_000;

/**
 * A session of about `bytes` bytes of live state (the merged items as JSON, as `liveBytesAfter` counts it) made of
 * few large parts (`outputScale` {@link LARGE_OUTPUT_SCALE}), in the CLI's ordinary batches: a 200 MiB share is
 * ~4,500 parts in ~540 syncs of at most ~2.5 MiB. Within ~10 % of `bytes`; the result's `liveBytesAfter` says.
 */
export function generateLargeSession(bytes: number, seed: number): GeneratedSession {
  const parts = Math.max(100, Math.round(bytes / LARGE_BYTES_PER_PART));
  return generateSession({ parts, seed, outputScale: LARGE_OUTPUT_SCALE });
}
