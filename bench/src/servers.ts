/**
 * Starting and stopping the local runtimes the benchmarks measure: `wrangler dev` for the workers, `vite` for the
 * page. Each runs in its own process group (so stopping it also stops the workerd it started), on a free loopback
 * port, with temporary state, and finds the others through one temporary dev registry.
 */
import type { ChildProcess } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { freePort, REPO, stackEnv, startProcess, stopProcess, waitForOk } from "../../scripts/local-stack.mjs";

export { freePort, REPO };

export interface Server {
  name: string;
  origin: string;
  child: ChildProcess;
  /** The tail of its stdout and stderr, shown when something fails. */
  log: () => string;
  /** The inspector's loopback port (`wrangler dev --inspector-port`), for workers. */
  inspectorPort?: number;
}

/** Spawns a server in its own process group and waits until `origin + readyPath` answers 200. */
export async function start(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; origin: string; readyPath: string },
): Promise<Server> {
  const server: Server = { ...startProcess(name, command, args, options.cwd, options.env), origin: options.origin };
  try {
    await waitForOk(options.origin + options.readyPath, [server]);
  } catch (error) {
    await stopProcess(server);
    throw error;
  }
  return server;
}

/** Kills a server's whole process group at once (for an interrupted or overdue run). */
export function killNow(server: Server): void {
  try {
    process.kill(-server.child.pid!, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Starts `wrangler dev` for a bench worker config on a free port with state under `temp`. */
export async function startWorker(
  name: string,
  config: string,
  temp: string,
  vars: Record<string, string> = {},
  readyPath = "/api/health",
): Promise<Server> {
  const [port, inspector] = [await freePort(), await freePort()];
  const args = [
    "dev",
    "--config",
    config,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    join(temp, `${name}-state`),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const server = await start(name, "wrangler", args, {
    cwd: REPO,
    // Without wrangler's local trace collector: it runs in the measured workerd process and stores a span of every
    // request and binding call there, which a deployed worker does not (it would count in the memory suite's
    // resident set and in every latency).
    env: stackEnv(temp, { X_LOCAL_OBSERVABILITY: "false" }),
    origin: `http://127.0.0.1:${port}`,
    readyPath,
  });
  return { ...server, inspectorPort: inspector };
}

interface WranglerConfig {
  durable_objects: { bindings: { name: string; class_name: string }[] };
  migrations: { tag: string; new_sqlite_classes?: string[] }[];
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: number } }[];
  [key: string]: unknown;
}

/**
 * Writes the bench's config for the sessions worker into `temp` and returns its path: the product's own
 * packages/sessions/wrangler.jsonc, read at run time so every binding, variable and migration stays the product's,
 * with three changes — `main` is the bench wrapper (bench/workers/sessions/src/index.ts), the wrapper's two extra
 * Durable Object classes are bound and migrated, and every rate limit is 1,000× higher (still consulted on every
 * request, so its cost is measured; the bench replays an hour of CLI traffic in a minute through one share, and opens
 * thousands of sockets from one address).
 */
export async function sessionsConfig(temp: string): Promise<string> {
  const product = experimental_readRawConfig({ config: join(REPO, "packages/sessions/wrangler.jsonc") })
    .rawConfig as unknown as WranglerConfig;
  const { $schema: _schema, dev: _dev, secrets: _secrets, env: _env, routes: _routes, ...rest } = product;
  const config: WranglerConfig = {
    ...rest,
    main: join(REPO, "bench/workers/sessions/src/index.ts"),
    durable_objects: {
      ...product.durable_objects,
      bindings: [
        ...product.durable_objects.bindings,
        { name: "SHARE_ROOM_UNREDACTED", class_name: "ShareRoomUnredacted" },
        { name: "BARE_ROOM", class_name: "BareRoom" },
      ],
    },
    migrations: [...product.migrations, { tag: "bench-v1", new_sqlite_classes: ["ShareRoomUnredacted", "BareRoom"] }],
    ratelimits: (product.ratelimits ?? []).map((limit) => ({
      ...limit,
      simple: { ...limit.simple, limit: limit.simple.limit * 1000 },
    })),
  };
  const path = join(temp, "sessions.wrangler.json");
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}
