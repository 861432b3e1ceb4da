/**
 * Starts the local stack once for the page's tests: `wrangler dev` for the sessions worker, and the page as it
 * deploys — `vite build`, then `vite preview` (the built worker with its real headers and Content-Security-Policy,
 * the minified bundle the timing tests measure) — each with its own temporary state, finding each other through a
 * temporary dev registry (so a developer's running `npm run dev` is neither used nor disturbed). Ready when
 * `GET /api/health` answers 200 through the page origin, i.e. through the service binding.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The page origin, e.g. `http://localhost:41234`; the API answers under `/api` on the same origin. */
    webOrigin: string;
    /** `fixtures/` at the repository root: recorded opencode CLI traffic. */
    fixturesDir: string;
    /** The sessions worker's admin token for this run (a fresh random one, passed with `--var`). */
    adminToken: string;
  }
}

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));
const STARTUP_DEADLINE_MS = 90_000;
const STOP_GRACE_MS = 5_000;

/** A port free on the loopback interface right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Server {
  name: string;
  child: ChildProcess;
  /** The tail of its stdout and stderr, shown when the stack fails to start. */
  log: () => string;
}

/** Spawns a server in its own process group, so stopping it also stops the runtimes it started. */
function start(name: string, command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Server {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name, child, log: () => log };
}

/** Stops a server's whole process group: SIGTERM, then SIGKILL after a grace period. */
async function stop(server: Server): Promise<void> {
  const { child } = server;
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
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

/** Polls `url` until it answers 200, a server exits, or the deadline passes. */
async function waitForOk(url: string, servers: Server[]): Promise<void> {
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

/** Runs `vite build` for this package (the preview serves its output). Rejects with the build's output on failure. */
function build(env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "vite",
      ["build", "--logLevel", "warn"],
      { cwd: join(REPO, "packages/web"), env },
      (error, stdout, stderr) => (error ? reject(new Error(`vite build failed:\n${stdout}\n${stderr}`)) : resolve()),
    );
  });
}

/** The running stack: the page origin, the admin token, and how to stop it all. */
export interface Stack {
  webOrigin: string;
  adminToken: string;
  stop: () => Promise<void>;
}

/**
 * Builds the page and starts both workers on free ports with temporary state; resolves once the page origin
 * answers `/api/health` through the service binding. Used by the tests' global setup and by the screenshot script.
 */
export async function startStack(): Promise<Stack> {
  const temp = await mkdtemp(join(tmpdir(), "shareroom-e2e-"));
  const [sessionsPort, inspectorPort, webPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Tools started from here must run on the repository's Node 22, not the system's.
    PATH: `${join(REPO, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
    // wrangler reads the first, the vite plugin the second; one fresh folder so only these two find each other.
    WRANGLER_REGISTRY_PATH: join(temp, "registry"),
    MINIFLARE_REGISTRY_PATH: join(temp, "registry"),
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_SEND_METRICS: "false",
    SHAREROOM_WEB_PORT: String(webPort),
    SHAREROOM_PERSIST_DIR: join(temp, "web-state"),
    BROWSER: "none",
    FORCE_COLOR: "0",
    // vitest runs with NODE_ENV=test, which would make vite build and serve a development bundle.
    NODE_ENV: "production",
  };
  const adminToken = randomBytes(18).toString("base64url");
  const building = build(env);
  const servers = [
    start(
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
        join(temp, "sessions-state"),
        "--show-interactive-dev-session=false",
        // A token of this run's own, so the admin tests need no secret from the developer's .dev.vars.
        "--var",
        `ADMIN_TOKEN:${adminToken}`,
      ],
      REPO,
      env,
    ),
  ];
  const stopAll = async () => {
    await Promise.all(servers.map(stop));
    await rm(temp, { recursive: true, force: true });
  };
  const webOrigin = `http://localhost:${webPort}`;
  try {
    // The sessions worker starts while the page builds; the preview starts once the build is there.
    await building;
    servers.push(start("web (vite preview)", "vite", ["preview"], join(REPO, "packages/web"), env));
    await waitForOk(`${webOrigin}/api/health`, servers);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { webOrigin, adminToken, stop: stopAll };
}

export default async function setup(project: TestProject) {
  const stack = await startStack();
  project.provide("webOrigin", stack.webOrigin);
  project.provide("adminToken", stack.adminToken);
  project.provide("fixturesDir", join(REPO, "fixtures"));
  return stack.stop;
}
