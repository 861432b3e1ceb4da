/**
 * The share page in headless Chromium, against the page's production build (`vite build` of packages/web, served by
 * `wrangler dev` from the build's own deployable config, its `API` service binding reaching the bench's sessions
 * worker through the dev registry). The floor it is compared with is modest: a plain static HTML file of the same
 * messages and parts (escaped text, no script), served from loopback by this process.
 *
 * Per load, in a fresh browser context: time to the first painted message and to a painted, filled viewport (from
 * navigation start, by `requestAnimationFrame` polling in the page), then the JS heap after a forced GC
 * (`JSHeapUsedSize`), then the script time spent while scrolling 60 × 800 px (CDP `ScriptDuration` delta). The
 * first load is then reloaded, its cache warm, to count the bytes a returning reader downloads again.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Entry, ShareSnapshot } from "@shareroom/shared";
import type { Browser, Page } from "playwright-core";
import { median } from "../measure.ts";

/** What one variant (page or static floor) measured on one share: medians over the loads. */
export interface PageFigures {
  firstMessageMs: number;
  viewportMs: number;
  heapBytes: number;
  /** DOM nodes after load: where a static page keeps what the page keeps in its JS heap. */
  domNodes: number;
  scrollScriptMs: number;
  /** When the response of the page's snapshot request ended (ms from navigation start); NaN without one. */
  snapshotMs: number;
  /** Bytes a reload of the first load's page downloaded (every response, headers included; CDP encodedDataLength). */
  reloadBytes: number;
  /** Of {@link reloadBytes}, the HTML document's. */
  reloadHtmlBytes: number;
  loads: number;
  /** Paths of the scripts and stylesheets the first load fetched. */
  assets: string[];
  /** Set when the page did not render within the deadline: what it said instead. */
  failure?: string;
}

export interface PageRun {
  share: string;
  parts: number;
  snapshotBytes: number;
  ours: PageFigures;
  floor: PageFigures;
}

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Loaded by index.html itself, or only fetched by the share page afterwards. */
  initial: boolean;
}

const RENDER_DEADLINE_MS = 90_000;
const SCROLL_STEPS = 60;
const SCROLL_PX = 800;

/**
 * Runs in the page before any of its scripts: records when the first message was painted and when messages first
 * filled the viewport (the frame after the one in which they were laid out), in ms since navigation start.
 */
export const MARKS_SCRIPT = `(() => {
  const marks = {};
  window.__benchMarks = marks;
  const check = () => {
    const messages = document.querySelectorAll("[data-message-id]");
    if (messages.length > 0 && marks.firstLaidOut === undefined) {
      marks.firstLaidOut = performance.now();
      requestAnimationFrame(() => { marks.first = performance.now(); });
    }
    if (messages.length > 0 && messages[messages.length - 1].getBoundingClientRect().bottom >= innerHeight) {
      requestAnimationFrame(() => { marks.viewport = performance.now(); });
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;

/**
 * The gzip size (zlib level 9) of the client build's JS and CSS files that index.html loads (`initial`) or that the
 * share page was seen to fetch (`loaded`, paths as the browser requested them).
 */
export async function bundleSizes(clientDir: string, loaded: string[]): Promise<BundleSize[]> {
  const html = await readFile(join(clientDir, "index.html"), "utf8");
  const initial = [...html.matchAll(/(?:src|href)="\/([^"]+\.(?:js|css))"/g)].map((match) => match[1]!);
  const files = [...new Set([...initial, ...loaded.map((path) => path.replace(/^\//, ""))])];
  const sizes: BundleSize[] = [];
  for (const file of files) {
    const content = await readFile(join(clientDir, file));
    sizes.push({
      file,
      bytes: content.byteLength,
      gzipBytes: gzipSync(content, { level: 9 }).byteLength,
      initial: initial.includes(file),
    });
  }
  return sizes;
}

const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** A plain static page of the snapshot's messages and parts: the floor for the page figures. */
export function staticHtml(snapshot: ShareSnapshot): string {
  const messages = new Map<string, string[]>();
  const item = (entry: Entry) => ("item" in entry ? entry.item : null);
  for (const entry of snapshot.entries) {
    const [kind, messageID] = entry.key.split("/");
    if ((kind === "message" || kind === "part") && messageID && !messages.has(messageID)) messages.set(messageID, []);
    const value = item(entry);
    if (kind !== "part" || !value || !messageID) continue;
    const part = value.data as { type?: string; text?: string; tool?: string; state?: { output?: string } };
    const body =
      part.type === "text" || part.type === "reasoning"
        ? `<p>${escapeHtml(part.text ?? "")}</p>`
        : part.type === "tool"
          ? `<h4>${escapeHtml(part.tool ?? "")}</h4><pre>${escapeHtml(part.state?.output ?? "")}</pre>`
          : "";
    if (body) messages.get(messageID)!.push(`<section>${body}</section>`);
  }
  const articles = [...messages.keys()]
    .sort()
    .map((id) => `<article data-message-id="${escapeHtml(id)}">${messages.get(id)!.join("")}</article>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>static</title><style>p,pre{white-space:pre-wrap;font:14px/1.4 sans-serif}article{border-top:1px solid #ccc;padding:8px}</style></head><body>${articles.join("\n")}</body></html>`;
}

/** Serves `html` at `/` on a free loopback port. */
export async function serveStatic(html: string): Promise<{ origin: string; server: Server }> {
  const body = Buffer.from(html);
  const server = createServer((_, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": body.byteLength });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, server };
}

/**
 * Reloads `page` (its browser cache warm from the first load) and returns the bytes that came over the network:
 * in all and for the HTML document, from CDP `Network.loadingFinished` (`encodedDataLength`, headers included; a
 * response from the cache adds 0). Waits until messages fill the viewport again.
 */
async function reloadBytes(
  page: import("playwright-core").Page,
  cdp: import("playwright-core").CDPSession,
): Promise<{ total: number; html: number }> {
  const documents = new Set<string>();
  let total = 0;
  let html = 0;
  const onResponse = (event: { requestId: string; type: string }) => {
    if (event.type === "Document") documents.add(event.requestId);
  };
  const onFinished = (event: { requestId: string; encodedDataLength: number }) => {
    total += event.encodedDataLength;
    if (documents.has(event.requestId)) html += event.encodedDataLength;
  };
  await cdp.send("Network.enable");
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.loadingFinished", onFinished);
  await page.reload({ waitUntil: "commit" });
  await page.waitForFunction(
    () => (window as unknown as { __benchMarks: { viewport?: number } }).__benchMarks.viewport !== undefined,
    undefined,
    { timeout: RENDER_DEADLINE_MS, polling: 250 },
  );
  // Responses still streaming in (the data behind the viewport) count too.
  await page.waitForLoadState("networkidle").catch(() => undefined);
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.loadingFinished", onFinished);
  return { total, html };
}

/** Loads `url` `loads` times, each in a fresh context, and returns the medians. */
export async function measurePage(browser: Browser, url: string, loads: number): Promise<PageFigures> {
  const runs: Omit<PageFigures, "loads" | "assets" | "reloadBytes" | "reloadHtmlBytes">[] = [];
  let assets: string[] = [];
  let failure: string | undefined;
  let reload = { total: Number.NaN, html: Number.NaN };
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.addInitScript(MARKS_SCRIPT);
      const cdp = await context.newCDPSession(page);
      await cdp.send("Performance.enable");
      await page.goto(url, { waitUntil: "commit" });
      try {
        await page.waitForFunction(
          () => (window as unknown as { __benchMarks: { viewport?: number } }).__benchMarks.viewport !== undefined,
          undefined,
          { timeout: RENDER_DEADLINE_MS, polling: 250 },
        );
      } catch {
        const text = (await page.evaluate(() => document.body?.textContent ?? "")).slice(0, 200).replaceAll("\n", " ");
        failure = `no message rendered within ${RENDER_DEADLINE_MS / 1000} s; the page showed: "${text}"`;
        break;
      }
      const marks = await page.evaluate(
        () => (window as unknown as { __benchMarks: { first: number; viewport: number } }).__benchMarks,
      );
      if (i === 0) {
        assets = await page.evaluate(() =>
          performance
            .getEntriesByType("resource")
            .map((entry) => new URL(entry.name).pathname)
            .filter((path) => /\.(js|css)$/.test(path)),
        );
      }
      const snapshotMs = await page.evaluate(
        () =>
          (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).find((entry) =>
            entry.name.includes("/snapshot"),
          )?.responseEnd ?? Number.NaN,
      );
      const metrics = async () => {
        const { metrics } = (await cdp.send("Performance.getMetrics")) as {
          metrics: { name: string; value: number }[];
        };
        return Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
      };
      await cdp.send("HeapProfiler.collectGarbage");
      const before = await metrics();
      await page.mouse.move(640, 450);
      for (let step = 0; step < SCROLL_STEPS; step++) {
        await page.mouse.wheel(0, SCROLL_PX);
        await page.evaluate(
          () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
        );
      }
      const after = await metrics();
      runs.push({
        firstMessageMs: marks.first,
        viewportMs: marks.viewport,
        heapBytes: before.JSHeapUsedSize ?? Number.NaN,
        domNodes: before.Nodes ?? Number.NaN,
        scrollScriptMs: ((after.ScriptDuration ?? 0) - (before.ScriptDuration ?? 0)) * 1000,
        snapshotMs,
      });
      if (i === 0) reload = await reloadBytes(page, cdp);
    } finally {
      await context.close();
    }
  }
  const pick = (name: keyof Omit<PageFigures, "loads" | "failure" | "assets" | "reloadBytes" | "reloadHtmlBytes">) =>
    median(runs.map((run) => run[name]));
  return {
    firstMessageMs: pick("firstMessageMs"),
    viewportMs: pick("viewportMs"),
    heapBytes: pick("heapBytes"),
    domNodes: pick("domNodes"),
    scrollScriptMs: pick("scrollScriptMs"),
    snapshotMs: pick("snapshotMs"),
    reloadBytes: reload.total,
    reloadHtmlBytes: reload.html,
    loads: runs.length,
    assets,
    ...(failure ? { failure } : {}),
  };
}

/** The first screen of a large share: when its first message and a filled viewport were painted (ms, medians). */
export interface FirstScreenFigures {
  label: string;
  /** Live bytes of the share (the merged items as JSON). */
  bytes: number;
  parts: number;
  firstMessageMs: number;
  viewportMs: number;
  loads: number;
  failure?: string;
}

/**
 * Loads `url` `loads` times, each in a fresh context, and returns when the first message and a filled viewport were
 * painted (medians, ms from navigation start). Only the first screen: the rest of the share, read in the background
 * after it, is not waited for.
 */
export async function measureFirstScreen(
  browser: Browser,
  url: string,
  loads: number,
): Promise<Pick<FirstScreenFigures, "firstMessageMs" | "viewportMs" | "loads" | "failure">> {
  const firsts: number[] = [];
  const viewports: number[] = [];
  let failure: string | undefined;
  for (let i = 0; i < loads && !failure; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await page.addInitScript(MARKS_SCRIPT);
      await page.goto(url, { waitUntil: "commit" });
      const marks = await page.waitForFunction(
        () => {
          const found = (window as unknown as { __benchMarks: { first?: number; viewport?: number } }).__benchMarks;
          return found.viewport !== undefined && found.first !== undefined ? found : false;
        },
        undefined,
        { timeout: RENDER_DEADLINE_MS, polling: 100 },
      );
      const { first, viewport } = (await marks.jsonValue()) as { first: number; viewport: number };
      firsts.push(first);
      viewports.push(viewport);
    } catch (error) {
      failure = error instanceof Error ? error.message.split("\n")[0] : String(error);
    } finally {
      await context.close();
    }
  }
  return {
    firstMessageMs: firsts.length > 0 ? median(firsts) : Number.NaN,
    viewportMs: viewports.length > 0 ? median(viewports) : Number.NaN,
    loads: firsts.length,
    ...(failure ? { failure } : {}),
  };
}

/** What the reader's measures found on one share: find at its size, and PageDown against the static floor. */
export interface ReaderFigures {
  parts: number;
  query: string;
  /** ms from the last keystroke of the query to its first results on screen (median of the runs). */
  searchMs: number;
  /** ms from the last keystroke to the complete count of its matches (median of the runs). */
  completeMs: number;
  /** The longest main-thread task while the query was typed (ms; 0 when none reached the 50 ms of a long task). */
  searchLongestTaskMs: number;
  /** The matches the page counted. */
  matches: number;
  /** The floor: counting the query's occurrences in the static page's text on its main thread (ms, median). */
  staticScanMs: number;
  /** px the window moved over {@link PAGE_DOWN_PRESSES} PageDown presses, on the page and on the static floor. */
  pageDownPx: number;
  staticPageDownPx: number;
  failure?: string;
}

/** PageDown presses measured per share. */
export const PAGE_DOWN_PRESSES = 10;
const SEARCH_RUNS = 3;

/** Waits until the scroll position and document height are unchanged over two pairs of animation frames. */
const SETTLE_SCRIPT = `new Promise((resolve) => {
  const measure = () => window.scrollY + ":" + document.documentElement.scrollHeight;
  let last = measure();
  let left = 600;
  const check = () => requestAnimationFrame(() => requestAnimationFrame(() => {
    const next = measure();
    if (next === last || --left === 0) resolve(undefined);
    else { last = next; check(); }
  }));
  check();
})`;

/** The px `presses` PageDown presses move the window from the top, each measured once the scroll has settled. */
async function pageDownDistance(page: Page, presses: number): Promise<number> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.evaluate(SETTLE_SCRIPT);
  await page.mouse.move(640, 450);
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press("PageDown");
    await page.evaluate(SETTLE_SCRIPT);
  }
  return page.evaluate(() => window.scrollY);
}

/**
 * Runs in the page before its scripts: stamps every keydown (`__lastKey`) and records the main thread's long tasks
 * (`__longTasks`, ms), so a search's latency is timed in the page's own clock.
 */
const READER_SCRIPT = `(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__longTasks.push({ start: entry.startTime, duration: entry.duration });
  }).observe({ type: "longtask", buffered: true });
  document.addEventListener("keydown", () => { window.__lastKey = performance.now(); }, true);
})();`;

/**
 * The reader's measures on the page at `url` against the static floor at `floorUrl`: `query` typed into find
 * (`/`, then one key every 30 ms), timed from the last keystroke until the count for the whole query shows,
 * `SEARCH_RUNS` times; then {@link PAGE_DOWN_PRESSES} PageDown presses on each.
 */
export async function measureReader(
  browser: Browser,
  url: string,
  floorUrl: string,
  parts: number,
  query: string,
): Promise<ReaderFigures> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const searches: number[] = [];
  const completes: number[] = [];
  let longest = 0;
  let matches = Number.NaN;
  let failure: string | undefined;
  try {
    await page.addInitScript(MARKS_SCRIPT);
    await page.addInitScript(READER_SCRIPT);
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(
      () => (window as unknown as { __benchMarks: { viewport?: number } }).__benchMarks.viewport !== undefined,
      undefined,
      { timeout: RENDER_DEADLINE_MS, polling: 250 },
    );
    await page.evaluate(SETTLE_SCRIPT);
    await page.keyboard.press("/");
    const input = page.locator("[data-testid=search-input]");
    await input.waitFor({ timeout: RENDER_DEADLINE_MS });
    // The share is indexed in the background after it opens; time searches, not the first feed.
    await page.locator("[data-testid=search-bar][data-indexed=true]").waitFor({ timeout: RENDER_DEADLINE_MS });
    for (let run = 0; run < SEARCH_RUNS; run++) {
      await input.fill("");
      await page.evaluate(() => {
        (window as unknown as { __longTasks: unknown[] }).__longTasks = [];
      });
      await page.keyboard.type(query, { delay: 30 });
      const done = await page.waitForFunction(
        (text) => {
          const count = document.querySelector("[data-testid=search-count]")?.textContent ?? "";
          const field = document.querySelector<HTMLInputElement>("[data-testid=search-input]");
          if (field?.value !== text || count === "" || count === "Searching…") return false;
          const w = window as unknown as { __lastKey: number; __longTasks: { duration: number }[] };
          return {
            ms: performance.now() - w.__lastKey,
            count,
            longest: Math.max(0, ...w.__longTasks.map((t) => t.duration)),
          };
        },
        query,
        { timeout: RENDER_DEADLINE_MS, polling: "raf" },
      );
      const answer = (await done.jsonValue()) as { ms: number; count: string; longest: number };
      searches.push(answer.ms);
      // The first answer may count the matches found so far ("1 of 120+"); the complete count follows.
      const complete = await page.waitForFunction(
        () => {
          const count = document.querySelector("[data-testid=search-count]")?.textContent ?? "";
          if (!/ of \d+$/.test(count)) return false;
          const w = window as unknown as { __lastKey: number; __longTasks: { duration: number }[] };
          return {
            ms: performance.now() - w.__lastKey,
            count,
            longest: Math.max(0, ...w.__longTasks.map((t) => t.duration)),
          };
        },
        undefined,
        { timeout: RENDER_DEADLINE_MS, polling: "raf" },
      );
      const whole = (await complete.jsonValue()) as { ms: number; count: string; longest: number };
      completes.push(whole.ms);
      longest = Math.max(longest, answer.longest);
      matches = Number(/of (\d+)/.exec(whole.count)?.[1] ?? 0);
    }
    await page.keyboard.press("Escape");
  } catch (error) {
    failure = error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
  // PageDown is measured on the whole share: while older turns are still being read, each one inserted above moves
  // the window by its height (the reader's place is kept), which the window's offset would count as pressed.
  if (!failure) {
    await page
      .locator("[data-testid=loading-older]")
      .waitFor({ state: "detached", timeout: RENDER_DEADLINE_MS })
      .catch(() => undefined);
  }
  const pageDownPx = failure ? Number.NaN : await pageDownDistance(page, PAGE_DOWN_PRESSES);
  await context.close();

  const floorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const floor = await floorContext.newPage();
  await floor.goto(floorUrl);
  const scans: number[] = [];
  for (let run = 0; run < SEARCH_RUNS; run++) {
    scans.push(
      await floor.evaluate((text) => {
        const started = performance.now();
        const haystack = (document.body.textContent ?? "").toLowerCase();
        const needle = text.toLowerCase();
        let count = 0;
        for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
        return count >= 0 ? performance.now() - started : Number.NaN;
      }, query),
    );
  }
  const staticPageDownPx = await pageDownDistance(floor, PAGE_DOWN_PRESSES);
  await floorContext.close();
  return {
    parts,
    query,
    searchMs: searches.length > 0 ? median(searches) : Number.NaN,
    completeMs: completes.length > 0 ? median(completes) : Number.NaN,
    searchLongestTaskMs: longest,
    matches,
    staticScanMs: median(scans),
    pageDownPx,
    staticPageDownPx,
    ...(failure ? { failure } : {}),
  };
}
