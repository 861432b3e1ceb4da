// A scripted OpenAI-compatible /v1/chat/completions server (SSE streaming) for driving `opencode run` offline.
// Node built-ins only.
//
// The reply is chosen from the conversation: requests without tools (title / summary generation by the small
// model) get a short title; agent requests get the next step of SCRIPT, counted by the tool results that follow
// the last user message.

import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { jsonOrEmpty, listen, readBody } from "../test-server.mjs";

/** One agent turn: tool steps, then a final answer. Each tool step is one assistant message (parallel calls allowed). */
export const DEFAULT_SCRIPT = [
  {
    reasoning: "Let me plan this first.",
    calls: [
      {
        name: "todowrite",
        args: {
          todos: [
            { content: "Look at the repository", status: "in_progress", priority: "high" },
            { content: "Write NOTES.md", status: "pending", priority: "medium" },
          ],
        },
      },
    ],
  },
  {
    text: "Looking around.",
    calls: [
      {
        name: "bash",
        args: { command: "ls -la && git log --oneline | head -5", description: "List files and history" },
      },
      { name: "read", args: { filePath: "{dir}/README.md" } },
    ],
  },
  {
    calls: [
      {
        name: "write",
        args: {
          filePath: "{dir}/NOTES.md",
          content: "# Notes\n\n- written by the scripted mock model\n- emoji 🎉, CJK 漢字\n",
        },
      },
    ],
  },
  {
    calls: [
      {
        name: "edit",
        args: { filePath: "{dir}/NOTES.md", oldString: "# Notes", newString: "# Notes (edited)" },
      },
    ],
  },
  {
    calls: [{ name: "bash", args: { command: "cat NOTES.md; exit 3", description: "Show the notes and fail" } }],
  },
  {
    calls: [
      {
        name: "todowrite",
        args: {
          todos: [
            { content: "Look at the repository", status: "completed", priority: "high" },
            { content: "Write NOTES.md", status: "completed", priority: "medium" },
          ],
        },
      },
    ],
  },
  {
    final:
      "Done. I wrote `NOTES.md`:\n\n```md\n# Notes (edited)\n```\n\n| step | tool |\n|---|---|\n| 1 | bash |\n| 2 | write |\n",
  },
];

/**
 * @param {{port?: number, host?: string, dir?: string, script?: typeof DEFAULT_SCRIPT, logFile?: string, chunkDelayMs?: number}} [opts]
 */
export async function startMockLLM(opts = {}) {
  const host = opts.host ?? "127.0.0.1";
  const script = opts.script ?? DEFAULT_SCRIPT;
  const requests = [];
  const delay = (ms) => new Promise((r) => setTimeout(r, ms));

  const server = createServer((req, res) => {
    readBody(req).then(async (raw) => {
      const url = new URL(req.url ?? "/", "http://x");
      const body = jsonOrEmpty(raw);
      if (req.method === "GET" && url.pathname.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ object: "list", data: [] }));
      }
      if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { message: "no route" } }));
      }
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const hasTools = Array.isArray(body.tools) && body.tools.length > 0;
      let lastUser = -1;
      messages.forEach((m, i) => {
        if (m.role === "user") lastUser = i;
      });
      const assistantSinceUser = messages.slice(lastUser + 1).filter((m) => m.role === "assistant").length;
      let step;
      if (!hasTools) step = { final: "Scripted mock session" };
      else step = script[Math.min(assistantSinceUser, script.length - 1)];
      requests.push({
        t: Date.now(),
        hasTools,
        nMessages: messages.length,
        step: hasTools ? assistantSinceUser : "title",
      });
      if (opts.logFile)
        appendFileSync(opts.logFile, `${JSON.stringify({ t: Date.now(), hasTools, model: body.model, messages })}\n`);

      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const id = `chatcmpl-${Date.now()}`;
      const base = { id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: body.model };
      const send = async (delta, finish = null, extra = {}) => {
        res.write(
          `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`,
        );
        if (opts.chunkDelayMs) await delay(opts.chunkDelayMs);
      };
      const fill = (v) => (typeof v === "string" ? v.replaceAll("{dir}", opts.dir ?? ".") : v);
      const deep = (v) =>
        Array.isArray(v)
          ? v.map(deep)
          : v && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
            : fill(v);

      await send({ role: "assistant", content: "" });
      if (step.reasoning) await send({ reasoning_content: step.reasoning });
      const text = step.final ?? step.text;
      if (text) for (const piece of text.match(/[\s\S]{1,40}/g) ?? []) await send({ content: piece });
      const calls = step.final ? [] : (step.calls ?? []);
      for (const [i, call] of calls.entries()) {
        const args = JSON.stringify(deep(call.args));
        await send({
          tool_calls: [
            { index: i, id: `call_${Date.now()}_${i}`, type: "function", function: { name: call.name, arguments: "" } },
          ],
        });
        for (const piece of args.match(/[\s\S]{1,60}/g) ?? [])
          await send({ tool_calls: [{ index: i, function: { arguments: piece } }] });
      }
      const promptTokens = Math.ceil(JSON.stringify(messages).length / 4);
      await send({}, calls.length ? "tool_calls" : "stop");
      res.write(
        `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: 50, total_tokens: promptTokens + 50 } })}\n\n`,
      );
      res.end("data: [DONE]\n\n");
    });
  });
  const { port, close } = await listen(server, opts.port, host);
  return { url: `http://${host}:${port}/v1`, requests, close };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 4800);
  const m = await startMockLLM({ port, dir: process.argv[3], logFile: process.argv[4] });
  process.stdout.write(`mock LLM on ${m.url}\n`);
}
