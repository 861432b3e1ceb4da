/** Types for `local-stack.mjs` (see its docstrings). */
import type { ChildProcess } from "node:child_process";

export const REPO: string;
export function freePort(): Promise<number>;
export interface StartedProcess {
  name: string;
  child: ChildProcess;
  log(): string;
}
export function startProcess(
  name: string,
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): StartedProcess;
export function stopProcess(server: StartedProcess): Promise<void>;
export function killProcess(server: StartedProcess): Promise<void>;
export function waitForOk(url: string, servers: StartedProcess[]): Promise<void>;
export interface LocalStack {
  /** The page origin, e.g. `http://localhost:41234`; the API answers under `/api` on the same origin. */
  webOrigin: string;
  /** Ends both process groups and removes the temporary folders. */
  stop(): Promise<void>;
  /** SIGKILLs both process groups at once, as a crash would; `state` stays as the crash left it. */
  kill(): Promise<void>;
}
export function buildPage(env: NodeJS.ProcessEnv, outDir?: string): Promise<void>;
export function stackEnv(temp: string, extra?: Record<string, string>): NodeJS.ProcessEnv;
export function startLocalStack(options?: {
  vars?: Record<string, string>;
  web?: "dev" | "preview";
  /** A folder for both workers' state, kept after the stack ends (default: a temporary one, removed by `stop()`). */
  state?: string;
}): Promise<LocalStack>;
