/**
 * Starts shareroom's local stack as a developer runs it — `wrangler dev` for the sessions worker and `vite dev` for
 * the page — each with its own temporary state, finding each other through a temporary dev registry (so a
 * developer's running `npm run dev` is neither used nor disturbed). The page starts only once the sessions worker is
 * registered and healthy (`wait-for-api.mjs` says why), and the stack is ready when `GET /api/health` answers 200
 * through the page origin, i.e. through the service binding. Used by the page's browser tests, the crash test, the
 * real-CLI contract test and the benchmarks.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitForApi } from "./wait-for-api.mjs";

/** The repository root (ends with a slash). */
export const REPO = fileURLToPath(new URL("../", import.meta.url));
const STARTUP_DEADLINE_MS = 90_000;
const STOP_GRACE_MS = 5_000;

/** A port free on the loopback interface right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a server in its own process group, so stopping it also stops the runtimes it started.
 * Returns `{name, child, log()}`; `log()` is the tail of its output, shown when the stack fails to start.
 */
export function startProcess(name, command, args, cwd, env) {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, log: () => log };
}

/** Kills a server's whole process group with SIGKILL at once (a crash: nothing is flushed or cleaned up). */
export async function killProcess(server) {
  const { child } = server;
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // The group is already gone.
  }
  await exited;
}

/** Stops a server's whole process group: SIGTERM, then SIGKILL after a grace period (5 s). */
export async function stopProcess(server) {
  const { child } = server;
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", () => resolve()));
  const signal = (name) => {
    try {
      process.kill(-child.pid, name);
    } catch {
      // The group is already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  // Children that outlived the leader (workerd) still belong to the group.
  signal("SIGKILL");
}

/** Polls `url` until it answers 200; throws if a server exits or 90 s pass, with the servers' logs. */
export async function waitForOk(url, servers) {
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    const dead = servers.find((server) => server.child.exitCode !== null || server.child.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited while starting:\n${dead.log()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      last = `${response.status} ${(await response.text()).slice(0, 300)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const logs = servers.map((server) => `--- ${server.name}\n${server.log()}`).join("\n");
  throw new Error(`${url} did not answer 200 within ${STARTUP_DEADLINE_MS} ms (last: ${last})\n${logs}`);
}

/**
 * The environment of every process a stack starts: the repository's Node 22 first on PATH (wrangler refuses the
 * system's Node 20), one dev registry under `temp` for wrangler (first variable) and the vite plugin (second), no
 * network lookups or telemetry, plus `extra`.
 */
export function stackEnv(temp, extra = {}) {
  return {
    ...process.env,
    PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
    WRANGLER_REGISTRY_PATH: join(temp, "registry"),
    MINIFLARE_REGISTRY_PATH: join(temp, "registry"),
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    BROWSER: "none",
    FORCE_COLOR: "0",
    ...extra,
  };
}

/**
 * Runs `vite build` for the page (what `vite preview` serves), into `outDir` when given instead of the package's
 * own `dist/`; rejects with the build's output on failure.
 */
export function buildPage(env, outDir) {
  const args = ["build", "--logLevel", "warn", ...(outDir ? ["--outDir", outDir, "--emptyOutDir"] : [])];
  return new Promise((resolve, reject) => {
    execFile("vite", args, { cwd: join(REPO, "packages/web"), env }, (error, stdout, stderr) =>
      error ? reject(new Error(`vite build failed:\n${stdout}\n${stderr}`)) : resolve(),
    );
  });
}

/**
 * Starts both workers on free ports with temporary state. `web: "dev"` runs `vite dev` (as `npm run dev` does);
 * `web: "preview"` builds the page for production and runs `vite preview` (the built worker with its real headers
 * and minified bundle; the sessions worker starts while the page builds). `vars` are extra `--var NAME:value`
 * bindings for the sessions worker (e.g. a run's own `ADMIN_TOKEN`). `state`: a folder to keep both workers' state
 * in (Durable Objects, R2), kept after the stack ends so a later stack can start on it; by default a temporary one.
 * Returns `{webOrigin, stop(), kill()}`: `stop()` ends both process groups and removes the temporary folders;
 * `kill()` SIGKILLs them at once, as a crash would, and leaves `state` as the crash left it.
 */
export async function startLocalStack({ vars = {}, web = "dev", state } = {}) {
  const temp = await mkdtemp(join(tmpdir(), "shareroom-stack-"));
  const stateDir = state ?? temp;
  const [sessionsPort, inspectorPort, webPort] = [await freePort(), await freePort(), await freePort()];
  const env = stackEnv(temp, {
    SHAREROOM_WEB_PORT: String(webPort),
    // Where the page's `vite dev` waits for the sessions worker (vite.config.ts).
    SHAREROOM_API_PORT: String(sessionsPort),
    SHAREROOM_PERSIST_DIR: join(stateDir, "web-state"),
    // Test runners set NODE_ENV=test, which would make vite build and serve a development bundle.
    ...(web === "preview" ? { NODE_ENV: "production" } : {}),
  });
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const building = web === "preview" ? buildPage(env) : Promise.resolve();
  const servers = [
    startProcess(
      "sessions (wrangler dev)",
      "npm",
      [
        "run",
        "dev",
        "--silent",
        "-w",
        "@shareroom/sessions",
        "--",
        "--port",
        String(sessionsPort),
        "--inspector-port",
        String(inspectorPort),
        "--persist-to",
        join(stateDir, "sessions-state"),
        "--show-interactive-dev-session=false",
        ...varArgs,
      ],
      REPO,
      env,
    ),
  ];
  const stop = async () => {
    await Promise.all(servers.map(stopProcess));
    await rm(temp, { recursive: true, force: true });
  };
  const kill = async () => {
    await Promise.all(servers.map(killProcess));
    await rm(join(temp, "registry"), { recursive: true, force: true });
    if (state !== undefined) await rm(temp, { recursive: true, force: true });
  };
  const webOrigin = `http://localhost:${webPort}`;
  try {
    const sessions = servers[0];
    const alive = () => sessions.child.exitCode === null && sessions.child.signalCode === null;
    await building;
    // `vite dev` waits for the sessions worker itself (vite.config.ts); `vite preview` starts its runtime at once.
    if (web === "preview") {
      await waitForApi(env.MINIFLARE_REGISTRY_PATH, `http://127.0.0.1:${sessionsPort}/api/health`, { alive }).catch(
        (error) => {
          throw new Error(`${error.message}\n--- ${sessions.name}\n${sessions.log()}`);
        },
      );
    }
    servers.push(startProcess(`web (vite ${web})`, "vite", [web], join(REPO, "packages/web"), env));
    await waitForOk(`${webOrigin}/api/health`, servers);
  } catch (error) {
    await stop();
    throw error;
  }
  return { webOrigin, stop, kill };
}
