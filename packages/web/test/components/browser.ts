/**
 * Real Chromium for the page's component tests: builds `harness.html` with vite (the page's Solid plugin and
 * aliases, no Cloudflare plugin) into a temporary folder, and serves it to a page at `http://harness.test/`
 * through request interception, with the Content-Security-Policy the worker sends.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { build } from "vite";
import solid from "vite-plugin-solid";
import { launchChromium } from "../../../../scripts/chromium.mjs";
import { contentSecurityPolicy } from "../../src/worker/policy";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const ORIGIN = "http://harness.test";
const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
};

/** A built harness in a browser page; `close()` removes everything. */
export interface Harness {
  page: Page;
  /** Uncaught errors and CSP violations seen by the page so far. */
  problems: string[];
  close: () => Promise<void>;
}

/** Builds the harness and opens it in a fresh Chromium page. Takes a few seconds (the build). */
export async function openHarness(): Promise<Harness> {
  const outDir = await mkdtemp(join(tmpdir(), "shareroom-harness-"));
  await build({
    configFile: false,
    root: HERE,
    logLevel: "warn",
    plugins: [solid()],
    build: {
      outDir,
      emptyOutDir: true,
      target: "es2022",
      minify: false,
      rollupOptions: { input: join(HERE, "harness.html") },
    },
  });
  const browser: Browser = await launchChromium();
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.route("**/*", async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) return route.abort();
    const path = url.pathname === "/" ? "/harness.html" : url.pathname;
    try {
      const body = await readFile(join(outDir, path));
      await route.fulfill({
        body,
        headers: {
          "content-type": TYPES[extname(path)] ?? "application/octet-stream",
          "content-security-policy": contentSecurityPolicy(new URL(ORIGIN), { dev: false }),
        },
      });
    } catch {
      await route.fulfill({ status: 404, body: "not found" });
    }
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  await page.goto(`${ORIGIN}/`);
  await page.locator("body[data-ready=true]").waitFor({ state: "attached" });
  return {
    page,
    problems,
    close: async () => {
      await browser.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
