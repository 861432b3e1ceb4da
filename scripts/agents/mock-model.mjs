// A scripted model server for driving Claude Code, Codex CLI and Gemini CLI offline, each through its own streaming
// API: Anthropic Messages (`POST /v1/messages`, SSE), OpenAI Responses (`POST /v1/responses`, SSE) and Gemini
// (`POST /v1beta/models/<model>:streamGenerateContent?alt=sse`). Node built-ins only.
//
// Event shapes follow the public API references:
//   https://docs.anthropic.com/en/api/messages-streaming
//   https://platform.openai.com/docs/api-reference/responses-streaming
//   https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
//
// The reply is chosen from the conversation, as scripts/opencode-cli/mock-llm.mjs does for opencode: the first user
// text that names MAIN-TASK or SUBAGENT-TASK picks the script, and the number of tool results already in the
// conversation picks the step (one tool call per step), so a subagent's own conversation gets the subagent script.
// Requests that offer no tools (titles, summaries, classifiers) get a short text.

import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { jsonOrEmpty, listen, readBody } from "../test-server.mjs";

/**
 * One scripted model reply: optional `thinking` and `text`, then at most one tool `call` (name and input as the CLI
 * expects them, `{dir}` replaced by the work directory), or a `final` text that ends the turn.
 * @typedef {{thinking?: string, text?: string, call?: {name: string, input: Record<string, unknown> | string}, final?: string}} Step
 */

/** The task prompts the harness gives each agent; the mock recognises them by these markers. */
export const MAIN_TASK = "MAIN-TASK: list files, create hello.txt, read it, edit it, then use a subagent.";
export const SUBAGENT_TASK = "SUBAGENT-TASK: list the files in the cwd and report.";
export const FINAL_TEXT = "Done. I listed files, wrote hello.txt, read it, edited it, and ran a subagent.";
export const SUBAGENT_FINAL_TEXT = "SUBAGENT DONE: saw the listing.";

/**
 * The scripts, per API and per conversation (`main` or `subagent`), with each CLI's own tool names and input keys
 * (as seen in real runs: Claude Code's Bash/Write/Read/Edit/Agent, Codex's exec_command/apply_patch, Gemini's
 * run_shell_command/write_file/read_file/replace/invoke_agent).
 * @type {Record<"anthropic" | "openai" | "gemini", {main: Step[], subagent: Step[]}>}
 */
export const SCRIPTS = {
  anthropic: {
    main: [
      {
        thinking: "I should look at the directory first.",
        text: "Let me look around.",
        call: { name: "Bash", input: { command: "ls -la", description: "List files in cwd" } },
      },
      { call: { name: "Write", input: { file_path: "{dir}/hello.txt", content: "hello from mock\nline two\n" } } },
      { call: { name: "Read", input: { file_path: "{dir}/hello.txt" } } },
      {
        call: {
          name: "Edit",
          input: { file_path: "{dir}/hello.txt", old_string: "line two", new_string: "line 2 (edited)" },
        },
      },
      {
        call: {
          name: "Agent",
          input: { description: "List via subagent", prompt: SUBAGENT_TASK, subagent_type: "general-purpose" },
        },
      },
      { thinking: "All done, summarise.", final: FINAL_TEXT },
    ],
    subagent: [
      { thinking: "Subagent: list files.", call: { name: "Bash", input: { command: "ls -la", description: "List" } } },
      { final: SUBAGENT_FINAL_TEXT },
    ],
  },
  openai: {
    main: [
      { thinking: "I should look at the directory first.", call: { name: "exec_command", input: { cmd: "ls -la" } } },
      {
        call: {
          name: "apply_patch",
          input: "*** Begin Patch\n*** Add File: hello.txt\n+hello from mock\n+line two\n*** End Patch\n",
        },
      },
      { call: { name: "exec_command", input: { cmd: "cat hello.txt" } } },
      {
        call: {
          name: "apply_patch",
          input:
            "*** Begin Patch\n*** Update File: hello.txt\n@@\n hello from mock\n-line two\n+line 2 (edited)\n*** End Patch\n",
        },
      },
      { thinking: "All done, summarise.", final: FINAL_TEXT },
    ],
    subagent: [{ final: SUBAGENT_FINAL_TEXT }],
  },
  gemini: {
    main: [
      {
        thinking: "I should look at the directory first.",
        call: { name: "run_shell_command", input: { command: "ls -la", description: "List files in cwd" } },
      },
      { call: { name: "write_file", input: { file_path: "{dir}/hello.txt", content: "hello from mock\nline two\n" } } },
      { call: { name: "read_file", input: { file_path: "{dir}/hello.txt" } } },
      {
        call: {
          name: "replace",
          input: {
            file_path: "{dir}/hello.txt",
            instruction: "Rename the second line.",
            old_string: "line two",
            new_string: "line 2 (edited)",
          },
        },
      },
      { call: { name: "invoke_agent", input: { agent_name: "generalist", prompt: SUBAGENT_TASK } } },
      { thinking: "All done, summarise.", final: FINAL_TEXT },
    ],
    subagent: [
      { call: { name: "run_shell_command", input: { command: "ls -la", description: "List files (subagent)" } } },
      { call: { name: "complete_task", input: { result: { response: SUBAGENT_FINAL_TEXT } } } },
      { final: SUBAGENT_FINAL_TEXT },
    ],
  },
};

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Replaces `{dir}` in every string of `value`. */
function fill(value, dir) {
  if (typeof value === "string") return value.replaceAll("{dir}", dir);
  if (Array.isArray(value)) return value.map((v) => fill(v, dir));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, dir)]));
  return value;
}

/** Which script a conversation follows: the first user text naming a task marker decides. */
function conversationOf(userTexts) {
  for (const text of userTexts) {
    if (text.includes("SUBAGENT-TASK")) return "subagent";
    if (text.includes("MAIN-TASK")) return "main";
  }
  return "main";
}

/** The step for a conversation, by how many tool results it already holds; past the end, the final step again. */
function pick(script, toolResults) {
  return script[Math.min(toolResults, script.length - 1)];
}

/** Splits text into stream deltas of at most `size` characters. */
const pieces = (text, size = 24) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? [];

let counter = 0;
/** A hex id unique within this process, prefixed like the real APIs' ids. */
const newId = (prefix) => `${prefix}${Date.now().toString(16)}${(counter++).toString(16).padStart(4, "0")}`;

/**
 * What the CLI sends the model that is not the conversation: system prompts, developer instructions, tool
 * descriptions. A share must contain none of it; the harness checks that with a few snippets of each text.
 */
function vendorTexts(api, body) {
  const texts = [];
  const add = (value) => typeof value === "string" && texts.push(value);
  if (api === "anthropic") {
    if (typeof body.system === "string") add(body.system);
    else for (const block of body.system ?? []) add(block?.text);
    for (const tool of body.tools ?? []) add(tool?.description);
  } else if (api === "openai") {
    add(body.instructions);
    for (const item of body.input ?? [])
      if (item?.role === "developer")
        for (const part of Array.isArray(item.content) ? item.content : []) add(part?.text);
    for (const tool of body.tools ?? []) add(tool?.description);
  } else {
    for (const part of body.systemInstruction?.parts ?? []) add(part?.text);
    for (const tool of body.tools ?? [])
      for (const declaration of tool.functionDeclarations ?? []) add(declaration?.description);
  }
  return texts;
}

/** An 80-character piece from inside `text` (past its first 100 characters, which may be boilerplate), if long enough. */
function snippetOf(text) {
  return text.length >= 300 ? text.slice(100, 180) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicRead(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const userTexts = [];
  let toolResults = 0;
  for (const message of messages) {
    const blocks = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
    for (const block of Array.isArray(blocks) ? blocks : []) {
      if (message.role === "user" && block.type === "text") userTexts.push(block.text);
      if (block.type === "tool_result") toolResults++;
    }
  }
  const tools = (Array.isArray(body.tools) ? body.tools : []).map((t) => t.name);
  return { conversation: conversationOf(userTexts), toolResults, hasTools: tools.length > 0, tools };
}

/** Streams one step as Anthropic SSE events (or answers JSON when the request did not ask for a stream). */
async function anthropicReply(res, body, step, dir, chunkDelayMs) {
  const blocks = [];
  if (step.thinking) blocks.push({ type: "thinking", thinking: step.thinking, signature: "mocksig" });
  const text = step.final ?? step.text;
  if (text) blocks.push({ type: "text", text });
  if (step.call && !step.final)
    blocks.push({ type: "tool_use", id: newId("toolu_"), name: step.call.name, input: fill(step.call.input, dir) });
  const stopReason = blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  const usage = { input_tokens: 200, output_tokens: 30, cache_read_input_tokens: 50, cache_creation_input_tokens: 0 };
  const message = { id: newId("msg_"), type: "message", role: "assistant", model: body.model ?? "mock" };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(
      JSON.stringify({ ...message, content: blocks, stop_reason: stopReason, stop_sequence: null, usage }),
    );
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = async (type, data) => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    if (chunkDelayMs) await delay(chunkDelayMs);
  };
  await send("message_start", {
    message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
  });
  for (const [index, block] of blocks.entries()) {
    if (block.type === "thinking") {
      await send("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const piece of pieces(block.thinking))
        await send("content_block_delta", { index, delta: { type: "thinking_delta", thinking: piece } });
      await send("content_block_delta", { index, delta: { type: "signature_delta", signature: block.signature } });
    } else if (block.type === "text") {
      await send("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const piece of pieces(block.text))
        await send("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
    } else {
      await send("content_block_start", {
        index,
        content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
      });
      for (const piece of pieces(JSON.stringify(block.input), 40))
        await send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } });
    }
    await send("content_block_stop", { index });
  }
  await send("message_delta", {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 30 },
  });
  await send("message_stop", {});
  res.end();
}

// ---------------------------------------------------------------------------------------------------------------
// OpenAI Responses

function openaiRead(body) {
  const input = Array.isArray(body.input) ? body.input : [];
  const userTexts = [];
  let toolResults = 0;
  for (const item of input) {
    if (item.type === "function_call_output" || item.type === "custom_tool_call_output") toolResults++;
    if (item.type === "message" && item.role === "user") {
      const content = typeof item.content === "string" ? [{ type: "input_text", text: item.content }] : item.content;
      for (const part of Array.isArray(content) ? content : [])
        if (part.type === "input_text") userTexts.push(part.text);
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return { conversation: conversationOf(userTexts), toolResults, hasTools: tools.length > 0, tools };
}

/** Streams one step as OpenAI Responses SSE events: each output item added, its deltas, done; then completed. */
async function openaiReply(res, body, step, dir, tools, chunkDelayMs) {
  const items = [];
  if (step.thinking)
    items.push({ type: "reasoning", id: newId("rs_"), summary: [{ type: "summary_text", text: step.thinking }] });
  const text = step.final ?? step.text;
  if (text)
    items.push({
      type: "message",
      id: newId("msg_"),
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    });
  if (step.call && !step.final) {
    const input = fill(step.call.input, dir);
    const offered = tools.find((t) => t.name === step.call.name);
    // apply_patch is a freeform ("custom") tool for the models that have it, a JSON function for the others.
    if (typeof input === "string" && offered?.type === "custom")
      items.push({
        type: "custom_tool_call",
        id: newId("ctc_"),
        status: "completed",
        call_id: newId("call_"),
        name: step.call.name,
        input,
      });
    else
      items.push({
        type: "function_call",
        id: newId("fc_"),
        status: "completed",
        call_id: newId("call_"),
        name: step.call.name,
        arguments: JSON.stringify(typeof input === "string" ? { input } : input),
      });
  }
  const responseId = newId("resp_");
  const response = { id: responseId, object: "response", created_at: Math.floor(Date.now() / 1000), model: body.model };
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let sequence = 0;
  const send = async (type, data) => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`);
    if (chunkDelayMs) await delay(chunkDelayMs);
  };
  await send("response.created", { response: { ...response, status: "in_progress", output: [] } });
  for (const [index, item] of items.entries()) {
    await send("response.output_item.added", { output_index: index, item: { ...item, status: "in_progress" } });
    if (item.type === "message")
      for (const delta of pieces(item.content[0].text))
        await send("response.output_text.delta", { item_id: item.id, output_index: index, content_index: 0, delta });
    await send("response.output_item.done", { output_index: index, item });
  }
  await send("response.completed", {
    response: {
      ...response,
      status: "completed",
      output: items,
      usage: {
        input_tokens: 200,
        input_tokens_details: { cached_tokens: 50 },
        output_tokens: 30,
        output_tokens_details: { reasoning_tokens: 5 },
        total_tokens: 230,
      },
    },
  });
  res.end();
}

// ---------------------------------------------------------------------------------------------------------------
// Gemini

function geminiRead(body) {
  const contents = Array.isArray(body.contents) ? body.contents : [];
  const userTexts = [];
  let toolResults = 0;
  for (const content of contents) {
    for (const part of Array.isArray(content.parts) ? content.parts : []) {
      if (part.functionResponse) toolResults++;
      if (content.role === "user" && typeof part.text === "string") userTexts.push(part.text);
    }
  }
  const tools = (body.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((d) => d.name));
  return { conversation: conversationOf(userTexts), toolResults, hasTools: tools.length > 0, tools };
}

/** Streams one step as Gemini SSE chunks (`data: GenerateContentResponse`), or one JSON answer when not streaming. */
async function geminiReply(res, model, step, dir, stream, chunkDelayMs) {
  const chunks = [];
  if (step.thinking) chunks.push([{ text: step.thinking, thought: true }]);
  const text = step.final ?? step.text;
  if (text) for (const piece of pieces(text)) chunks.push([{ text: piece }]);
  if (step.call && !step.final)
    chunks.push([{ functionCall: { name: step.call.name, args: fill(step.call.input, dir) } }]);
  if (chunks.length === 0) chunks.push([{ text: "" }]);
  const usageMetadata = {
    promptTokenCount: 300,
    candidatesTokenCount: 25,
    cachedContentTokenCount: 0,
    thoughtsTokenCount: 7,
    totalTokenCount: 332,
  };
  const wrap = (parts, last) => ({
    candidates: [{ content: { role: "model", parts }, index: 0, ...(last ? { finishReason: "STOP" } : {}) }],
    ...(last ? { usageMetadata } : {}),
    modelVersion: model,
    responseId: newId("r"),
  });
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify(wrap(chunks.flat(), true)));
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const [i, parts] of chunks.entries()) {
    res.write(`data: ${JSON.stringify(wrap(parts, i === chunks.length - 1))}\n\n`);
    if (chunkDelayMs) await delay(chunkDelayMs);
  }
  res.end();
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts the mock on a free loopback port.
 * @param {{dir: string, host?: string, port?: number, stepDelayMs?: number, chunkDelayMs?: number, logFile?: string}} opts
 *   `dir`: the agent's work directory (for `{dir}` in tool inputs); `stepDelayMs`: wait before each scripted reply
 *   (ms), so that a share following the transcript sees it grow over several syncs; `logFile`: one JSON line per
 *   request (route, script, step).
 *   `vendorSnippets`: 80-character pieces of every system prompt, developer instruction and tool description the
 *   CLIs sent (see vendorTexts).
 * @returns {Promise<{origin: string, requests: {t: number, api: string, route: string, conversation?: string, step?: number, scripted: boolean}[], vendorSnippets: Set<string>, close(): Promise<void>}>}
 */
export async function startMockModel(opts) {
  const host = opts.host ?? "127.0.0.1";
  const requests = [];
  /** @type {Set<string>} */
  const vendorSnippets = new Set();
  const collect = (api, body) => {
    for (const text of vendorTexts(api, body)) {
      const snippet = snippetOf(text);
      if (snippet) vendorSnippets.add(snippet);
    }
  };
  const record = (entry) => {
    requests.push({ t: Date.now(), ...entry });
    if (opts.logFile) appendFileSync(opts.logFile, `${JSON.stringify(requests.at(-1))}\n`);
  };
  const json = (res, status, value) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  const server = createServer((req, res) => {
    readBody(req).then(async (raw) => {
      const url = new URL(req.url ?? "/", "http://mock");
      const body = jsonOrEmpty(raw);
      const route = `${req.method} ${url.pathname}`;
      try {
        if (req.method === "POST" && url.pathname === "/v1/messages/count_tokens") {
          record({ api: "anthropic", route, scripted: false });
          return json(res, 200, { input_tokens: 200 });
        }
        if (req.method === "POST" && url.pathname === "/v1/messages") {
          collect("anthropic", body);
          const { conversation, toolResults, hasTools, tools } = anthropicRead(body);
          const step = hasTools ? pick(SCRIPTS.anthropic[conversation], toolResults) : { final: "Mock session" };
          record({ api: "anthropic", route, conversation, step: toolResults, scripted: hasTools, tools });
          if (hasTools && opts.stepDelayMs) await delay(opts.stepDelayMs);
          return await anthropicReply(res, body, step, opts.dir, opts.chunkDelayMs);
        }
        if (req.method === "POST" && url.pathname === "/v1/responses") {
          collect("openai", body);
          const { conversation, toolResults, hasTools, tools } = openaiRead(body);
          const step = hasTools ? pick(SCRIPTS.openai[conversation], toolResults) : { final: "Mock session" };
          record({
            api: "openai",
            route,
            conversation,
            step: toolResults,
            scripted: hasTools,
            tools: tools.map((t) => t.name ?? t.type),
          });
          if (hasTools && opts.stepDelayMs) await delay(opts.stepDelayMs);
          return await openaiReply(res, body, step, opts.dir, tools, opts.chunkDelayMs);
        }
        const gemini = url.pathname.match(
          /^\/v1beta\/models\/([^/:]+):(streamGenerateContent|generateContent|countTokens)$/,
        );
        if (req.method === "POST" && gemini) {
          const [, model, method] = gemini;
          if (method === "countTokens") {
            record({ api: "gemini", route, scripted: false });
            return json(res, 200, { totalTokens: 300 });
          }
          collect("gemini", body);
          const { conversation, toolResults, hasTools, tools } = geminiRead(body);
          const step = hasTools ? pick(SCRIPTS.gemini[conversation], toolResults) : geminiSideAnswer(body);
          record({ api: "gemini", route, conversation, step: toolResults, scripted: hasTools, tools });
          if (hasTools && opts.stepDelayMs) await delay(opts.stepDelayMs);
          return await geminiReply(res, model, step, opts.dir, method === "streamGenerateContent", opts.chunkDelayMs);
        }
        record({ api: "none", route, scripted: false });
        return json(res, 404, { error: { message: `the mock model has no route ${route}` } });
      } catch (error) {
        if (!res.headersSent) json(res, 500, { error: { message: String(error) } });
        else res.end();
      }
    });
  });
  const { port, close } = await listen(server, opts.port, host);
  return { origin: `http://${host}:${port}`, requests, vendorSnippets, close };
}

/**
 * Gemini CLI's own side questions (no tools offered) ask for JSON by schema (`generationConfig.responseSchema` or
 * `responseJsonSchema`): answer with an object that lets the agent carry on, else a short text.
 */
function geminiSideAnswer(body) {
  const config = body.generationConfig ?? {};
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (!schema) return { final: "Mock session" };
  const props = schema.properties ?? {};
  const answer = {};
  for (const [key, prop] of Object.entries(props)) {
    const type = String(prop.type ?? "string").toLowerCase();
    if (prop.enum) answer[key] = prop.enum.includes("user") ? "user" : prop.enum[0];
    else if (type === "boolean") answer[key] = false;
    else if (type === "number" || type === "integer") answer[key] = prop.minimum ?? 1;
    else answer[key] = "mock";
  }
  return { final: JSON.stringify(answer) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mock = await startMockModel({ port: Number(process.argv[2] ?? 0), dir: process.argv[3] ?? process.cwd() });
  process.stdout.write(`mock model on ${mock.origin}\n`);
}
