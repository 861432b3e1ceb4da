/**
 * `npm run bench`: starts the workers on the local runtime, runs every suite against its same-run baseline, prints
 * the table and writes docs/performance.md with its charts. `BENCH_ONLY=storage,memory,ingest,fanout,page` (or `--only …`)
 * runs some suites and leaves docs/ alone. Exits non-zero only when a suite could not run — a missed target is a
 * result.
 */

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import type { Item, ShareSnapshot } from "@shareroom/shared";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../scripts/chromium.mjs";
import { buildPage, stackEnv, stopProcess as stop } from "../../scripts/local-stack.mjs";
import { Sessions, SnapshotBaseline } from "./api.ts";
import { type GeneratedSession, generateLargeSession, generateSession } from "./generate.ts";
import { now } from "./measure.ts";
import { charts, consoleTable, figuresOf, type Machine, markdown, partialProse, type Results } from "./report.ts";
import { killNow, REPO, type Server, sessionsConfig, startWorker } from "./servers.ts";
import { fanoutBatchesNeeded, runFanout } from "./suites/fanout.ts";
import { runIngest } from "./suites/ingest.ts";
import { memorySizes, runMemory } from "./suites/memory.ts";
import { bundleSizes, measureFirstScreen, measurePage, measureReader, serveStatic, staticHtml } from "./suites/page.ts";
import { runReconnect } from "./suites/reconnect.ts";
import { runStorage } from "./suites/storage.ts";
import { ViewerPool } from "./viewers.ts";

/** Viewer sockets the bench's sessions worker admits per address and per share: above the fan-out suite's 1,000. */
const BENCH_VIEWER_CAP = 2_000;
/** Syncs per share per minute the bench's sessions worker allows: the product's 600, times the limiters' 1,000. */
const BENCH_SYNCS_PER_MINUTE = 600_000;

const SUITES = ["storage", "memory", "ingest", "fanout", "page"] as const;
type Suite = (typeof SUITES)[number];

const STORAGE_PARTS = 20_000;
const PAGE_PARTS = 3_000;
/** Find is timed on a share of this many parts (the storage suite's long share, or one made for the purpose). */
const READER_PARTS = 20_000;
/** What find is timed with: a phrase of the generated sessions' code lines. */
const READER_QUERY = "export function";
/** The first screen is timed on a share of this many bytes of live state too (`BENCH_SKIP_LARGE_SHARE=1` skips it). */
const LARGE_SHARE_BYTES = 200 * 2 ** 20;
const LARGE_SHARE_LOADS = 3;
const FANOUT_VIEWERS = [1, 100, 1000];
const VIEWER_PROCESSES = 4;
/**
 * A full run takes about 21 minutes on 2 cores, 9 of them the memory suite's 500 MiB share (generating, replaying
 * and reading it; `BENCH_MEMORY_MIB=40,200` leaves it out); past this, something hangs and the bench gives up.
 * `BENCH_DEADLINE_MIN` moves it.
 */
const RUN_DEADLINE_MS = (Number(process.env.BENCH_DEADLINE_MIN) || 45) * 60_000;

const started = now();
/** The 1-minute load average when the bench started: other work on the machine skews every figure. */
const loadBefore = loadavg()[0]!;
const log = (line: string) => console.log(`[${((now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

/** The suites to run: `--only a,b` (or `BENCH_ONLY=a,b`, handier through the root `npm run bench`); default all. */
function parseOnly(): Set<Suite> {
  const index = process.argv.indexOf("--only");
  const value = index === -1 ? process.env.BENCH_ONLY : process.argv[index + 1];
  if (!value) return new Set(SUITES);
  const names = value.split(",").filter(Boolean);
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name))
      throw new Error(`unknown suite "${name}" (${SUITES.join(", ")})`);
  }
  return new Set(names as Suite[]);
}

async function machine(browser: Browser | null): Promise<Machine> {
  const require = createRequire(import.meta.url);
  const wranglerPackage = require.resolve("wrangler/package.json");
  const miniflare = createRequire(wranglerPackage).resolve("miniflare/package.json");
  const workerd = createRequire(miniflare).resolve("workerd/package.json");
  const version = async (path: string) => (JSON.parse(await readFile(path, "utf8")) as { version: string }).version;
  const osRelease = await readFile("/etc/os-release", "utf8").catch(() => "");
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    os: `${/PRETTY_NAME="([^"]+)"/.exec(osRelease)?.[1] ?? "Linux"}, kernel ${release()}`,
    node: process.version,
    wrangler: await version(wranglerPackage),
    workerd: await version(workerd),
    chromium: browser?.version() ?? "not used",
    loadBefore: loadBefore,
    loadAfter: Number.NaN,
  };
}

/** Replays `session` into a new share, flushing after every batch as the 1 s alarm would. Returns seqs. */
async function replay(sessions: Sessions, session: GeneratedSession) {
  const share = await sessions.create(session.sessionID);
  const seqs: number[] = [];
  for (const batch of session.batches) {
    seqs.push((await sessions.sync(share, Sessions.syncBody(share, batch))).seq);
    await sessions.flush(share.id);
  }
  return { share, seqs };
}

/** Items a full legacy replay sends: every inline session, message and part. */
function storedForReplay(session: GeneratedSession): number {
  let count = 0;
  for (const item of session.final.values()) if (["session", "message", "part"].includes(item.type)) count++;
  return count;
}

/** Formats `path` with biome, the repository's formatter, so `npm run lint` stays green. */
async function formatMarkdown(path: string): Promise<void> {
  const child = spawn("biome", ["format", "--write", path], { cwd: REPO, env: stackEnv(tmpdir()), stdio: "ignore" });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`biome format ${path} exited with ${code}`);
}

/** `vite build` of packages/web into `temp` (never into the package's own dist/). */
async function buildPageInto(temp: string): Promise<{ outDir: string }> {
  const outDir = join(temp, "web-build");
  await buildPage(stackEnv(temp), outDir);
  return { outDir };
}

async function main(): Promise<number> {
  const only = parseOnly();
  const writeDocs = only.size === SUITES.length;
  const temp = await mkdtemp(join(tmpdir(), "shareroom-bench-"));
  const adminToken = randomBytes(24).toString("base64url");
  const servers: Server[] = [];
  const results: Results = {
    startedAt: new Date().toISOString(),
    runtimeMs: 0,
    machine: await machine(null),
    reconnect: [],
    errors: [],
  };
  // Held in objects so the cleanup in `finally` sees what the suites started (TypeScript narrows plain lets).
  const running: { pool: ViewerPool | null; browser: Browser | null } = { pool: null, browser: null };
  // The servers run in process groups of their own, so an interrupt or a hang must take them down explicitly.
  const abandon = (why: string) => {
    log(`${why}: stopping everything`);
    running.pool?.stop();
    for (const server of servers) killNow(server);
    rmSync(temp, { recursive: true, force: true });
    process.exit(1);
  };
  const deadline = setTimeout(() => abandon(`no result after ${RUN_DEADLINE_MS / 60_000} minutes`), RUN_DEADLINE_MS);
  deadline.unref();
  process.once("SIGINT", () => abandon("interrupted"));
  process.once("SIGTERM", () => abandon("terminated"));
  const attempt = async (suite: string, task: () => Promise<void>) => {
    try {
      await task();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`${suite} FAILED: ${message}`);
      for (const server of servers) log(`--- ${server.name} log (tail):\n${server.log().slice(-2000)}`);
      results.errors.push({ suite, message: error instanceof Error ? error.message : String(error) });
    }
  };

  try {
    log(`temporary state in ${temp}; starting the sessions worker and the baseline worker`);
    const [sessionsServer, baselineServer] = await Promise.all([
      // Every bench viewer connects from 127.0.0.1, and the fan-out suite opens 1,000 on one share: the product's
      // per-address and per-share caps would refuse most of them.
      startWorker("sessions", await sessionsConfig(temp), temp, {
        ADMIN_TOKEN: adminToken,
        VIEWERS_PER_ADDRESS: String(BENCH_VIEWER_CAP),
        VIEWERS_PER_SHARE: String(BENCH_VIEWER_CAP),
        // A compressed replay sends far more than a minute's budget of syncs to one share (the bench raises the
        // `ratelimits` bindings in its config for the same reason, bench/src/servers.ts).
        SYNCS_PER_SHARE_PER_MINUTE: String(BENCH_SYNCS_PER_MINUTE),
      }),
      only.has("storage")
        ? startWorker("snapshot-baseline", "bench/workers/snapshot-baseline/wrangler.jsonc", temp, {}, "/health")
        : Promise.resolve(null),
    ]);
    servers.push(sessionsServer);
    if (baselineServer) servers.push(baselineServer);
    const sessions = new Sessions(sessionsServer.origin, adminToken);

    let storageShare: { id: string; session: GeneratedSession } | null = null;
    if (only.has("storage")) {
      await attempt("storage", async () => {
        const baselineParts = Number(process.env.BENCH_BASELINE_PARTS) || 3000;
        log(`storage: generating ${STORAGE_PARTS} parts; replaying (baseline to ${baselineParts} parts)`);
        const session = generateSession({ parts: STORAGE_PARTS, seed: 1 });
        const baseline = new SnapshotBaseline(baselineServer!.origin);
        const storage = await runStorage(sessions, baseline, session, baselineParts, log);
        results.storage = storage;
        storageShare = { id: storage.share.id, session };
        log("reconnect: 20,000-part share");
        results.reconnect.push({
          label: `${Math.round(session.liveBytesAfter.at(-1)! / 1e6)} MB share`,
          parts: session.partsAfter.at(-1)!,
          result: await runReconnect(sessions.origin, storage.share.id, storage.seqs, storedForReplay(session)),
        });
      });
      if (baselineServer) {
        await stop(baselineServer);
        servers.splice(servers.indexOf(baselineServer), 1);
      }
    }

    if (only.has("memory")) {
      await attempt("memory", async () => {
        const sizes = memorySizes();
        log(`memory: shares of ${sizes.join(", ")} MiB through ordinary syncs; isolate memory per storage path`);
        results.memory = await runMemory(
          sessions,
          sessionsServer.child.pid!,
          sessionsServer.inspectorPort!,
          sizes,
          log,
        );
      });
    }

    if (only.has("ingest")) {
      await attempt("ingest", async () => {
        log("ingest: 10 KB, 100 KB and 5 MB batches against the no-op floor, with and without redaction");
        const session = generateSession({ parts: 6000, seed: 4 });
        const items = [...session.final.values()].filter((item) => item.type === "part" || item.type === "message");
        const fixed = {
          session: session.final.get("session")!,
          rest: [session.final.get("session_diff")!, session.final.get("model")!],
        };
        results.ingest = await runIngest(sessions, items, fixed, log);
      });
    }

    if (only.has("fanout")) {
      await attempt("fanout", async () => {
        log(
          `fanout: ${FANOUT_VIEWERS.join(", ")} viewers in ${VIEWER_PROCESSES} processes against the bare broadcast floor`,
        );
        const pool = await ViewerPool.start(VIEWER_PROCESSES);
        running.pool = pool;
        results.clockOffsets = pool.offsets;
        const batches: Item[][] = [];
        for (let parts = 1500; batches.length < fanoutBatchesNeeded(FANOUT_VIEWERS); parts *= 2) {
          batches.splice(0, batches.length, ...generateSession({ parts, seed: 3 }).batches);
        }
        results.fanout = await runFanout(sessions, pool, FANOUT_VIEWERS, batches, log);
      });
      running.pool?.stop();
      running.pool = null;
    }

    if (only.has("page")) {
      await attempt("page", async () => {
        log(`page: replaying a ${PAGE_PARTS}-part session; building packages/web`);
        const session = generateSession({ parts: PAGE_PARTS, seed: 2 });
        const { share, seqs } = await replay(sessions, session);
        results.reconnect.push({
          label: `${Math.round(session.liveBytesAfter.at(-1)! / 1e6)} MB share`,
          parts: session.partsAfter.at(-1)!,
          result: await runReconnect(sessions.origin, share.id, seqs, storedForReplay(session)),
        });
        const build = await buildPageInto(temp);
        const web = await startWorker(
          "web",
          join(build.outDir, "shareroom_web/wrangler.json"),
          temp,
          {},
          "/api/health",
        );
        servers.push(web);
        const browser = await launchChromium();
        running.browser = browser;
        results.machine = await machine(browser);
        const shares = [{ label: "p99-size share", id: share.id, parts: session.partsAfter.at(-1)!, loads: 5 }];
        const big = storageShare as { id: string; session: GeneratedSession } | null;
        if (big) shares.push({ label: "long share", id: big.id, parts: big.session.partsAfter.at(-1)!, loads: 1 });
        const runs = [];
        for (const target of shares) {
          const snapshot = await sessions.snapshot(target.id);
          const html = staticHtml(JSON.parse(snapshot.text) as ShareSnapshot);
          const floor = await serveStatic(html);
          try {
            log(`  ${target.label}: ${target.parts} parts, ${(snapshot.bytes / 1e6).toFixed(1)} MB snapshot`);
            const ours = await measurePage(browser, `${web.origin}/share/${target.id}`, target.loads);
            const baseline = await measurePage(browser, `${floor.origin}/`, target.loads);
            runs.push({
              share: target.label,
              parts: target.parts,
              snapshotBytes: snapshot.bytes,
              ours,
              floor: baseline,
            });
            log(
              `    viewport: page ${ours.viewportMs.toFixed(0)} ms, static ${baseline.viewportMs.toFixed(0)} ms` +
                (ours.failure ? ` (${ours.failure})` : ""),
            );
          } finally {
            floor.server.close();
          }
        }
        const loaded = runs[0]?.ours.assets ?? [];
        results.page = { runs, bundle: await bundleSizes(join(build.outDir, "client"), loaded) };
        // Find and PageDown at 20,000 parts: the storage suite's long share, else one synced whole for this.
        let long = big?.session.partsAfter.at(-1) === READER_PARTS ? big : null;
        if (!long) {
          log(`  reader: syncing a ${READER_PARTS}-part share`);
          const session = generateSession({ parts: READER_PARTS, seed: 1 });
          const created = await sessions.create(session.sessionID);
          const items = [...session.final.values()];
          for (let start = 0; start < items.length; start += 5_000) {
            await sessions.sync(created, Sessions.syncBody(created, items.slice(start, start + 5_000)));
          }
          await sessions.flush(created.id);
          long = { id: created.id, session };
        }
        const snapshot = await sessions.snapshot(long.id);
        const floor = await serveStatic(staticHtml(JSON.parse(snapshot.text) as ShareSnapshot));
        try {
          results.page.reader = await measureReader(
            browser,
            `${web.origin}/share/${long.id}`,
            `${floor.origin}/`,
            READER_PARTS,
            READER_QUERY,
          );
          const reader = results.page.reader;
          log(
            `    find "${READER_QUERY}": first results ${reader.searchMs.toFixed(0)} ms after the last key, all ` +
              `${reader.matches} matches counted after ${reader.completeMs.toFixed(0)} ms (` +
              `longest task ${reader.searchLongestTaskMs.toFixed(0)} ms; static scan ${reader.staticScanMs.toFixed(1)} ms); ` +
              `PageDown ×10: ${reader.pageDownPx} px, static ${reader.staticPageDownPx} px` +
              (reader.failure ? ` (${reader.failure})` : ""),
          );
        } finally {
          floor.server.close();
        }
        // The first screen of a 200 MiB share, grown through the CLI's ordinary syncs (minutes of syncing).
        if (process.env.BENCH_SKIP_LARGE_SHARE)
          log("  first screen of a 200 MiB share: skipped (BENCH_SKIP_LARGE_SHARE)");
        else {
          const large = generateLargeSession(LARGE_SHARE_BYTES, 6);
          const bytes = large.liveBytesAfter.at(-1)!;
          const parts = large.partsAfter.at(-1)!;
          log(
            `  first screen: syncing a ${(bytes / 2 ** 20).toFixed(0)} MiB share (${parts} parts, ${large.batches.length} syncs)`,
          );
          const created = await sessions.create(large.sessionID);
          for (const batch of large.batches) {
            const answer = await sessions.sync(created, Sessions.syncBody(created, batch));
            if (typeof answer.seq !== "number")
              throw new Error(`a sync of the large share failed: ${JSON.stringify(answer)}`);
          }
          large.batches.length = 0;
          await sessions.flush(created.id);
          const first = await measureFirstScreen(browser, `${web.origin}/share/${created.id}`, LARGE_SHARE_LOADS);
          results.page.firstScreen = { label: "200 MiB share", bytes, parts, ...first };
          log(
            `    first message painted after ${first.firstMessageMs.toFixed(0)} ms, viewport ${first.viewportMs.toFixed(0)} ms` +
              (first.failure ? ` (${first.failure})` : ""),
          );
        }
      });
    }
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`FAILED: ${message}`);
    results.errors.push({ suite: "setup", message: error instanceof Error ? error.message : String(error) });
  } finally {
    running.pool?.stop();
    await running.browser?.close();
    await Promise.all(servers.map(stop));
    await rm(temp, { recursive: true, force: true });
  }

  clearTimeout(deadline);
  results.runtimeMs = now() - started;
  results.machine.loadAfter = loadavg()[0]!;
  const figures = figuresOf(results);
  console.log(`\n${consoleTable(figures)}\n`);
  const missed = figures.filter((figure) => figure.met === false);
  log(
    `done in ${(results.runtimeMs / 1000).toFixed(0)} s; ${figures.length} figures, ` +
      `${figures.filter((figure) => figure.met !== undefined).length} with a target, ${missed.length} missed`,
  );
  if (!writeDocs) console.log(`\n${partialProse(results, figures)}\n`);
  if (writeDocs) {
    const docs = join(REPO, "docs");
    const path = join(docs, "performance.md");
    // Other generators own marked sections of this file (e.g. `<!-- bundle-sizes:start … -->`): keep them.
    const previous = await readFile(path, "utf8").catch(() => "");
    const kept = [...previous.matchAll(/<!-- ([a-z-]+):start[\s\S]*?<!-- \1:end -->/g)].map((match) => match[0]);
    await writeFile(path, `${[markdown(results, figures).trimEnd(), ...kept].join("\n\n")}\n`);
    await formatMarkdown(path);
    for (const [name, svg] of Object.entries(charts(results))) await writeFile(join(docs, name), svg);
    log("wrote docs/performance.md and its charts");
  }
  for (const error of results.errors) log(`suite ${error.suite} could not run: ${error.message.split("\n")[0]}`);
  return results.errors.length > 0 ? 1 : 0;
}

process.exitCode = await main();
