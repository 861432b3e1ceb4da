/**
 * Waits until the sessions worker's `wrangler dev` is ready to be bound to: its `GET /api/health` answers 200 on its
 * own port, and the dev registry holds a fresh entry for it whose debug port accepts connections. Only then may the
 * page's `vite dev` start.
 *
 * Why: the page's `API` service binding reaches the sessions worker through the dev registry, a folder where each
 * local runtime writes one file per worker naming the debug port of the workerd that serves it (miniflare's
 * `DevRegistry`); the vite plugin's proxy worker connects to that port and asks for the service named there. A page
 * started while `wrangler dev` is still coming up resolves the binding against a registry that does not yet name a
 * workerd serving the sessions worker: an entry left by an earlier run (entries count as live for 90 s), or none.
 * Pointing the entry at another workerd gives `Worker "core:user:shareroom-sessions" not found`; one cold start of
 * `npm run dev` in seven died with `binding "API" refers to a service "core:user:shareroom-sessions", but no such
 * service is defined`. A page started only after this wait finds the registry naming the running sessions worker.
 *
 * The page's vite config holds `vite dev` in this wait before the Cloudflare plugin starts its runtime (so vite's own
 * start-up overlaps wrangler's); `scripts/local-stack.mjs` waits before `vite preview`.
 */
import { readFile, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";

/** The sessions worker's local origin: `SHAREROOM_API_PORT`, else the `dev.port` of its wrangler.jsonc (8787). */
export function apiOrigin() {
  return `http://127.0.0.1:${process.env.SHAREROOM_API_PORT || "8787"}`;
}

/** The dev registry the vite plugin reads (`MINIFLARE_REGISTRY_PATH`, else the user's wrangler config folder). */
export async function devRegistryPath() {
  const { getDefaultDevRegistryPath } = await import("miniflare");
  return getDefaultDevRegistryPath();
}

/** The sessions worker's name, as its wrangler.jsonc and the page's `services` binding spell it. */
export const API_WORKER = "shareroom-sessions";

/** miniflare treats a registry entry older than this (ms) as left by a dead process (it heartbeats every 10 s). */
const REGISTRY_STALE_MS = 90_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether a TCP connection to `host:port` opens within 1 s. */
function accepts(host, port) {
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: 1_000 });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/**
 * Why the worker is not ready yet (a sentence), or `null` when it is: fresh registry entry in `registryPath`, its
 * debug port open, `healthUrl` answering 200.
 */
export async function apiNotReady(registryPath, healthUrl, name = API_WORKER) {
  try {
    const response = await fetch(healthUrl, { signal: AbortSignal.timeout(2_000) });
    if (response.status !== 200) return `${healthUrl} answered ${response.status}`;
  } catch (error) {
    return `${healthUrl}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const entry = join(registryPath, name);
  let definition;
  try {
    if (Date.now() - (await stat(entry)).mtimeMs > REGISTRY_STALE_MS) return `the registry entry ${entry} is stale`;
    definition = JSON.parse(await readFile(entry, "utf8"));
  } catch {
    return `no registry entry ${entry} yet`;
  }
  const [host, port] = String(definition.debugPortAddress ?? "").split(":");
  if (!host || !port || !(await accepts(host, port))) return `the debug port of ${entry} does not accept connections`;
  return null;
}

/**
 * Polls {@link apiNotReady} until the worker is ready. Throws after `deadlineMs`, or as soon as `alive()` returns
 * false (the server being waited for exited), with the last reason.
 */
export async function waitForApi(registryPath, healthUrl, { deadlineMs = 90_000, alive = () => true } = {}) {
  const deadline = Date.now() + deadlineMs;
  let reason = "not checked yet";
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the sessions worker exited before it was ready (${reason})`);
    reason = await apiNotReady(registryPath, healthUrl);
    if (reason === null) return;
    await sleep(250);
  }
  throw new Error(`the sessions worker was not ready within ${deadlineMs} ms: ${reason}`);
}
