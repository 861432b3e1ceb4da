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
export function waitForOk(url: string, servers: StartedProcess[]): Promise<void>;
export interface LocalStack {
  /** The page origin, e.g. `http://localhost:41234`; the API answers under `/api` on the same origin. */
  webOrigin: string;
  stop(): Promise<void>;
}
export function buildPage(env: NodeJS.ProcessEnv, outDir?: string): Promise<void>;
export function stackEnv(temp: string, extra?: Record<string, string>): NodeJS.ProcessEnv;
export function startLocalStack(options?: {
  vars?: Record<string, string>;
  web?: "dev" | "preview";
}): Promise<LocalStack>;
