import type { Item } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import type { AgentId } from "../src/conversation.ts";
import { readTranscript } from "../src/readers/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests read deep into untyped item data
type Data = Record<string, any>;

const read = (agent: AgentId, rows: unknown[]) =>
  readTranscript(agent, { nativeId: "s1", cwd: "/work" }, rows.map((row) => JSON.stringify(row)).join("\n")).items();
const parts = (items: Item[]) => items.filter((item) => item.type === "part").map((item) => item.data as Data);
const PNG = "iVBORw0KGgo=";
const at = (second: number) => `2026-12-01T10:00:${String(second).padStart(2, "0")}.000Z`;

describe("records the fixtures do not show", () => {
  it("turns images in user messages into file parts with data: URLs, for each agent", () => {
    const claude = read("claude", [
      {
        type: "user",
        uuid: "u1",
        timestamp: at(1),
        message: {
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } },
          ],
        },
      },
    ]);
    const codex = read("codex", [
      {
        timestamp: at(1),
        type: "response_item",
        payload: {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "look" },
            { type: "input_image", image_url: `data:image/png;base64,${PNG}` },
          ],
        },
      },
    ]);
    const gemini = read("gemini", [
      {
        id: "u1",
        timestamp: at(1),
        type: "user",
        content: [{ text: "look" }, { inlineData: { mimeType: "image/png", data: PNG } }],
      },
    ]);
    for (const items of [claude, codex, gemini]) {
      expect(parts(items).find((part) => part.type === "file")).toMatchObject({
        mime: "image/png",
        url: `data:image/png;base64,${PNG}`,
      });
    }
  });

  it("reads a legacy Codex rollout: argv shell calls with JSON outputs, harness text without metadata", () => {
    const items = read("codex", [
      { timestamp: at(0), type: "session_meta", payload: { id: "legacy-1", cwd: "/work", cli_version: "0.30.0" } },
      {
        timestamp: at(1),
        type: "response_item",
        payload: {
          type: "message",
          role: "user",
          content: [{ type: "input_text", text: "<environment_context>\n<cwd>/work</cwd>" }],
        },
      },
      {
        timestamp: at(1),
        type: "response_item",
        payload: { type: "message", role: "user", content: [{ type: "input_text", text: "list it" }] },
      },
      { timestamp: at(1), type: "event_msg", payload: { type: "user_message", message: "list it" } },
      {
        timestamp: at(2),
        type: "response_item",
        payload: { type: "function_call", name: "shell", arguments: '{"command":["bash","-lc","ls"]}', call_id: "c1" },
      },
      {
        timestamp: at(3),
        type: "response_item",
        payload: {
          type: "function_call_output",
          call_id: "c1",
          output: '{"output":"a.txt\\n","metadata":{"exit_code":0,"duration_seconds":0.1}}',
        },
      },
      {
        timestamp: at(4),
        type: "response_item",
        payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: "One file." }] },
      },
      { timestamp: at(4), type: "event_msg", payload: { type: "agent_message", message: "One file." } },
    ]);
    const texts = parts(items)
      .filter((part) => part.type === "text")
      .map((part) => part.text);
    expect(texts).toEqual(["list it", "One file."]);
    const bash = parts(items).find((part) => part.type === "tool")!;
    expect(bash).toMatchObject({
      tool: "bash",
      state: { status: "completed", input: { command: "ls" }, output: "a.txt\n" },
    });
    expect(bash.metadata).toEqual({ agentTool: "shell" });
    expect(bash.state.metadata).toMatchObject({ exit: 0 });
  });

  it("marks a failed shell call as an error with its output", () => {
    const items = read("codex", [
      {
        timestamp: at(1),
        type: "response_item",
        payload: { type: "function_call", name: "exec_command", arguments: '{"cmd":"false"}', call_id: "c1" },
      },
      {
        timestamp: at(2),
        type: "response_item",
        payload: { type: "function_call_output", call_id: "c1", output: "Process exited with code 1\nOutput:\nboom\n" },
      },
    ]);
    expect(parts(items)[0]!.state).toMatchObject({ status: "error", error: "boom\n", metadata: { exit: 1 } });
  });

  it("skips lines that are not JSON objects, such as a cut last line or garbage", () => {
    const items = readTranscript(
      "claude",
      { nativeId: "s1" },
      '{"type":"user","uuid":"u1","timestamp":"x","message":{"content":"hi"}}\nnot json\n[1,2]\n{"type":"us',
    ).items();
    expect(parts(items).map((part) => part.text)).toEqual(["hi"]);
  });
});
