/**
 * `npm run first-screen -w @shareroom/bench`: the page suite's 200 MiB first screen alone, on a share kept between
 * runs. The share (~540 ordinary syncs, minutes) is built once into `BENCH_STATE` (default
 * `<tmpdir>/shareroom-first-screen`) and reused by later runs, which only rebuild the page and time it; delete the
 * folder to build the share again (after a change of the storage format, say). `BENCH_LOADS` (default 3) loads are
 * timed; `BENCH_TRACE=1` also prints, for one more load, every request of the page (start and end in ms from
 * navigation start, bytes), the page's console and the main thread's long tasks up to the first painted message;
 * `BENCH_HOLD=<s>` keeps both workers running that long afterwards (their origins printed), to read the share's
 * routes by hand.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "../../scripts/chromium.mjs";
import { buildPage, stackEnv, stopProcess as stop } from "../../scripts/local-stack.mjs";
import { Sessions } from "./api.ts";
import { generateLargeSession } from "./generate.ts";
import { type Server, sessionsConfig, startWorker } from "./servers.ts";
import { MARKS_SCRIPT, measureFirstScreen } from "./suites/page.ts";

/** The share's live bytes, as the page suite builds it (bench/src/main.ts). */
const LARGE_SHARE_BYTES = 200 * 2 ** 20;

/** What a run leaves in the state folder for the next one. */
interface KeptShare {
  adminToken: string;
  id: string;
  bytes: number;
  parts: number;
}

const log = (line: string) => console.log(`[first-screen] ${line}`);

/** The part of a CDP `Profiler.Profile` read here. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** The main thread's busiest functions: self and total time (ms) of the 25 with the most, from the sampled profile. */
function profileSummary(profile: CpuProfile): string[] {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const name = (id: number) => {
    const frame = byId.get(id)!.callFrame;
    const file = frame.url.split("/").pop() || "(native)";
    return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  profile.samples.forEach((sample, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(name(sample), (self.get(name(sample)) ?? 0) + ms);
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const key = name(id);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + ms);
    }
  });
  const top = (map: Map<string, number>) =>
    [...map]
      .filter(([key]) => !/^\((root|program|idle)\)/.test(key))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([key, ms]) => `${ms.toFixed(0).padStart(6)} ms  ${key}`);
  return ["self time:", ...top(self), "total time:", ...top(total)];
}

/**
 * Loads `url` once more with the network and main-thread timelines on: every request's start, end (ms from
 * navigation start) and encoded bytes, and the long tasks (≥ 50 ms) before the first painted message.
 */
async function trace(browser: Browser, url: string): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await page.addInitScript(MARKS_SCRIPT);
    await page.addInitScript(`window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.duration]);
      }).observe({ type: "longtask", buffered: true });`);
    // Requests of the page's workers too (the segment worker's reads), which the page's resource timing leaves out.
    const started = Date.now();
    const requests: string[] = [];
    page.on("requestfinished", async (request) => {
      const size = await request.sizes().catch(() => ({ responseBodySize: Number.NaN }));
      const timing = request.timing();
      const at = timing.startTime - started;
      requests.push(
        `${String(Math.round(at)).padStart(6)} → ${String(Math.round(at + timing.responseStart)).padStart(6)} → ` +
          `${String(Math.round(at + timing.responseEnd)).padStart(6)} ms  ${size.responseBodySize} B  ` +
          `${new URL(request.url()).pathname} (${request.frame() ? "page" : "worker"})`,
      );
    });
    page.on("console", (message) => log(`console: ${message.text()}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(
      () => (window as unknown as { __benchMarks: { viewport?: number } }).__benchMarks.viewport !== undefined,
      undefined,
      { timeout: 90_000, polling: 100 },
    );
    const { profile } = (await cdp.send("Profiler.stop")) as { profile: CpuProfile };
    const report = await page.evaluate(() => {
      const w = window as unknown as {
        __benchMarks: Record<string, number>;
        __longTasks: [number, number][];
      };
      const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      const resources = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).map((entry) => [
        new URL(entry.name).pathname,
        Math.round(entry.startTime),
        Math.round(entry.responseStart),
        Math.round(entry.responseEnd),
        entry.encodedBodySize,
      ]);
      return {
        marks: w.__benchMarks,
        document: [Math.round(navigation.responseStart), Math.round(navigation.responseEnd)],
        domContentLoaded: Math.round(navigation.domContentLoadedEventEnd),
        resources,
        longTasks: w.__longTasks.map(([start, duration]) => [Math.round(start), Math.round(duration)]),
        domChars: document.body.textContent?.length ?? 0,
        domNodes: document.getElementsByTagName("*").length,
        largest: Array.from(document.querySelectorAll<HTMLElement>("[data-part-id]"))
          .map((part) => [part.id, part.textContent?.length ?? 0, part.getBoundingClientRect().height] as const)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5),
      };
    });
    log(`trace: requests (ms from the goto, as Playwright saw them):`);
    for (const line of requests) log(`  ${line}`);
    log(`trace: marks ${JSON.stringify(report.marks)}`);
    log(
      `  document: first byte ${report.document[0]} ms, end ${report.document[1]} ms; DCL ${report.domContentLoaded}`,
    );
    for (const [path, start, first, end, bytes] of report.resources) {
      log(
        `  ${String(start).padStart(6)} → ${String(first).padStart(6)} → ${String(end).padStart(6)} ms  ${bytes} B  ${path}`,
      );
    }
    log(`  DOM: ${report.domNodes} elements, ${report.domChars} characters of text; largest parts:`);
    for (const [id, chars, height] of report.largest) log(`    ${id}: ${chars} characters, ${Math.round(height)} px`);
    for (const [start, duration] of report.longTasks) log(`  long task at ${start} ms: ${duration} ms`);
    for (const line of profileSummary(profile)) log(`  ${line}`);
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const state = process.env.BENCH_STATE || join(tmpdir(), "shareroom-first-screen");
  await mkdir(state, { recursive: true });
  // A registry left by an interrupted run names workers that are gone.
  await rm(join(state, "registry"), { recursive: true, force: true });
  const keptPath = join(state, "share.json");
  let kept = JSON.parse(await readFile(keptPath, "utf8").catch(() => "null")) as KeptShare | null;
  const adminToken = kept?.adminToken ?? randomBytes(24).toString("base64url");
  const servers: Server[] = [];
  let browser: Browser | undefined;
  try {
    log(`state in ${state}; starting the sessions worker and building the page`);
    const [sessionsServer] = await Promise.all([
      startWorker("sessions", await sessionsConfig(state), state, {
        ADMIN_TOKEN: adminToken,
        SYNCS_PER_SHARE_PER_MINUTE: "600000",
      }),
      buildPage(stackEnv(state), join(state, "web-build")),
    ]);
    servers.push(sessionsServer);
    const sessions = new Sessions(sessionsServer.origin, adminToken);
    if (!kept) {
      const large = generateLargeSession(LARGE_SHARE_BYTES, 6);
      log(`syncing a new share: ${large.partsAfter.at(-1)} parts in ${large.batches.length} syncs`);
      const created = await sessions.create(large.sessionID);
      for (const batch of large.batches) await sessions.sync(created, Sessions.syncBody(created, batch));
      await sessions.flush(created.id);
      kept = { adminToken, id: created.id, bytes: large.liveBytesAfter.at(-1)!, parts: large.partsAfter.at(-1)! };
      await writeFile(keptPath, JSON.stringify(kept));
    }
    const web = await startWorker(
      "web",
      join(state, "web-build/shareroom_web/wrangler.json"),
      state,
      {},
      "/api/health",
    );
    servers.push(web);
    browser = await launchChromium();
    const url = `${web.origin}/share/${kept.id}`;
    log(`${(kept.bytes / 2 ** 20).toFixed(0)} MiB share, ${kept.parts} parts: ${url}`);
    const loads = Number(process.env.BENCH_LOADS) || 3;
    const first = await measureFirstScreen(browser, url, loads);
    log(
      `first message painted after ${first.firstMessageMs.toFixed(0)} ms, viewport ${first.viewportMs.toFixed(0)} ms ` +
        `(median of ${first.loads})${first.failure ? ` — ${first.failure}` : ""}`,
    );
    if (process.env.BENCH_TRACE) await trace(browser, url);
    if (process.env.BENCH_HOLD) {
      log(`holding: sessions ${sessionsServer.origin}, web ${web.origin}`);
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.BENCH_HOLD) * 1000));
    }
  } finally {
    await browser?.close();
    await Promise.all(servers.map(stop));
  }
}

await main();
