/**
 * `shareroom hook <agent> session-start|session-end`: what the installed hooks run. The agent passes
 * `{session_id, transcript_path, cwd, hook_event_name}` on stdin. Start launches a detached `shareroom share` that
 * follows the transcript until the agent process is gone; end stops it (it makes the final sync). A hook never
 * fails the agent: errors go to the log in the config folder and the exit code is 0. Gemini CLI expects JSON on
 * stdout, so the hook always prints `{}` for it.
 */
import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { AgentId } from "./conversation.ts";
import { agentProcess } from "./process.ts";
import { runShare } from "./share.ts";
import { configDir } from "./store.ts";

/** Reads all of stdin as JSON, giving up after `timeoutMs` (an agent always closes it). */
async function readPayload(timeoutMs = 3000): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on("end", () => {
      clearTimeout(timer);
      resolve();
    });
    process.stdin.on("error", () => resolve());
  });
  process.stdin.pause();
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return {};
  }
}

/** Runs a hook event; always resolves to 0. */
export async function runHook(agent: AgentId, event: string, script: string, env = process.env): Promise<number> {
  const payload = await readPayload();
  const transcript = typeof payload.transcript_path === "string" ? payload.transcript_path : undefined;
  const session = typeof payload.session_id === "string" ? payload.session_id : "unknown";
  const logs = join(configDir(env), "logs");
  try {
    if (!transcript) throw new Error("the hook payload has no transcript_path");
    if (event === "session-start") {
      mkdirSync(logs, { recursive: true, mode: 0o700 });
      const log = openSync(join(logs, `${agent}-${session.replace(/[^A-Za-z0-9_-]/g, "_")}.log`), "a", 0o600);
      const pid = agent === "claude" && env.CLAUDE_PID ? Number(env.CLAUDE_PID) : agentProcess();
      const args = [script, "share", "--agent", agent, "--session", transcript, "--pid", String(pid)];
      const cwd = typeof payload.cwd === "string" ? payload.cwd : process.cwd();
      spawn(process.execPath, args, { detached: true, stdio: ["ignore", log, log], env, cwd }).unref();
    } else if (event === "session-end") {
      await runShare(
        { agent, session: transcript, end: true },
        { stdout: process.stderr, stderr: process.stderr, env, cwd: process.cwd() },
      );
    }
  } catch (error) {
    process.stderr.write(`shareroom hook: ${(error as Error).message}\n`);
  }
  if (agent === "gemini") process.stdout.write("{}\n");
  return 0;
}
