// Drives the repository's own `shareroom` CLI (packages/cli) the way a user does, and reads what a share holds on
// the server. The CLI's interface, as issue 12 specifies it: `share [--agent] [--session] [--server] [--once]
// [--json] [--dry-run]` (with --json the first stdout line is one JSON object with `id` and `url`; SIGINT/SIGTERM
// syncs a last time and exits 0), `unshare <id|url>`, `list --json`, `install claude|codex|gemini`.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { itemKey } from "@shareroom/shared";
import { REPO } from "../local-stack.mjs";

const CLI_DIR = join(REPO, "packages/cli");

/**
 * The `shareroom` CLI to test: `$SHAREROOM_BIN` when set (a JavaScript file, e.g. an installed package's bin), else
 * this checkout's packages/cli, built first by its `build` script when `build` is true. `{status: "absent"}` when
 * neither exists, `{status: "broken", reason}` when packages/cli exists but yields no bin, else `{status: "ok", bin}`.
 * @param {{build?: boolean}} [options]
 * @returns {{status: "absent"} | {status: "broken", reason: string} | {status: "ok", bin: string}}
 */
export function findShareroom({ build = true } = {}) {
  if (process.env.SHAREROOM_BIN) return { status: "ok", bin: process.env.SHAREROOM_BIN };
  const manifestPath = join(CLI_DIR, "package.json");
  if (!existsSync(manifestPath)) return { status: "absent" };
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const relative = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.shareroom;
  if (!relative) return { status: "broken", reason: "packages/cli/package.json has no `shareroom` bin" };
  if (build && manifest.scripts?.build) {
    const run = spawnSync("npm", ["run", "build", "-w", manifest.name], { cwd: REPO, stdio: ["ignore", 2, 2] });
    if (run.status !== 0) return { status: "broken", reason: `npm run build -w ${manifest.name} failed` };
  }
  const bin = join(CLI_DIR, relative);
  if (!existsSync(bin)) return { status: "broken", reason: `packages/cli/${relative} does not exist` };
  return { status: "ok", bin };
}

/**
 * Runs `shareroom <args>` to completion.
 * @param {string} bin
 * @param {string[]} args
 * @param {{cwd: string, env: Record<string, string>, timeoutMs?: number}} options
 * @returns {{status: number | null, stdout: string, stderr: string}}
 */
export function runShareroom(bin, args, { cwd, env, timeoutMs = 60_000 }) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, env, encoding: "utf8", timeout: timeoutMs });
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/**
 * Starts `shareroom share --json <args>` and resolves once its first stdout line (the share) arrives.
 * Rejects when the CLI exits first or `timeoutMs` pass, with its stderr.
 * @returns {Promise<{share: {id: string, url: string}, child: import("node:child_process").ChildProcess, exited: Promise<number | null>, stderr: () => string}>}
 */
export function startShare(bin, args, { cwd, env, timeoutMs = 30_000 }) {
  const child = spawn(process.execPath, [bin, "share", "--json", ...args], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  const first = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no share line within ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
    lines.once("line", (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`the first stdout line is not JSON: ${line.slice(0, 300)}`));
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`shareroom share exited (${code}) before printing the share:\n${stderr}`));
    });
  });
  // Later lines (status updates, if any) are drained so the CLI never blocks on a full pipe.
  return first.then((share) => ({ share, child, exited, stderr: () => stderr }));
}

/**
 * The items `shareroom share --session <path> --once --dry-run --json` would send for the transcript as it is now,
 * keyed by merge key (a later item with the same key replaces an earlier one, as the server merges them). Accepts a
 * JSON array of items, an object holding one (`items` or `data`), or JSON lines of items.
 * @returns {Map<string, unknown>}
 */
export function dryRunItems(bin, agent, session, { cwd, env }) {
  const run = runShareroom(bin, ["share", "--agent", agent, "--session", session, "--once", "--dry-run", "--json"], {
    cwd,
    env,
  });
  if (run.status !== 0) throw new Error(`shareroom share --dry-run exited ${run.status}:\n${run.stderr}`);
  let items;
  try {
    const whole = JSON.parse(run.stdout);
    items = Array.isArray(whole) ? whole : (whole.items ?? whole.data);
  } catch {
    items = run.stdout
      .split("\n")
      .filter((line) => line.trim().startsWith("{"))
      .map((line) => JSON.parse(line))
      .flatMap((value) => (Array.isArray(value.items) ? value.items : [value]));
  }
  if (!Array.isArray(items)) throw new Error(`no items in the dry-run output: ${run.stdout.slice(0, 300)}`);
  return keyed(items.filter((item) => item && typeof item.type === "string" && "data" in item));
}

/** Items keyed by their merge key (`@shareroom/shared` itemKey), the last one of a key winning. */
export function keyed(items) {
  return new Map(items.map((item) => [itemKey(item), item.data]));
}

/**
 * `GET <origin>/api/share/<id>/data`: `{status, items}` (items only on 200).
 * @returns {Promise<{status: number, items?: {type: string, data: unknown}[]}>}
 */
export async function shareData(origin, id) {
  const response = await fetch(`${origin}/api/share/${id}/data`, { signal: AbortSignal.timeout(10_000) });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  return { status: 200, items: await response.json() };
}
