/** Running the built `shareroom` command (bin/shareroom.mjs) as a user would, in a throwaway home. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../bin/shareroom.mjs", import.meta.url));

const homes: string[] = [];

/** Deletes every home {@link throwawayEnv} made. */
export function removeHomes(): void {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
}

/** A fresh HOME and config folder, with nothing of the machine's agents in them. */
export function throwawayEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), "shareroom-home-"));
  homes.push(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    ...extra,
  };
  return env;
}

/** A running `shareroom` process with its output so far. */
export interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number>;
}

/** Starts `shareroom <args>`. */
export function start(args: string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    err += chunk;
  });
  const exit = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? -1)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Runs `shareroom <args>` to its end. */
export async function run(args: string[], env: NodeJS.ProcessEnv, cwd?: string) {
  const started = start(args, env, cwd);
  const code = await started.exit;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

/** Resolves once `check` holds, polling every 20 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
