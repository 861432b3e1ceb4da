/** What the end-to-end tests share: the browser, API calls against the running stack, and page helpers. */
import type { CreateShareResponse, SyncResponse } from "@shareroom/shared";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { expect, inject } from "vitest";
import { launchChromium } from "../../../../scripts/chromium.mjs";

/** The page origin of the running stack (see global-setup.ts). */
export const origin = inject("webOrigin");

/** The longest any single expectation waits for the page (ms). */
export const PAGE_DEADLINE_MS = 20_000;

/** How long a polled expectation may take (vitest's default second is short on a busy 2-core machine). */
export const POLL = { timeout: 10_000 };

/** Largest number of items per sync request (the API refuses more than 10,000). */
const SYNC_BATCH_ITEMS = 5_000;

/** Launches Chromium (a fresh temporary profile; never downloads a browser). */
export function launch(): Promise<Browser> {
  return launchChromium();
}

/** A JSON API call against the page origin. */
export function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${origin}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Creates a share for `sessionID` (as the CLI does). */
export async function createShare(sessionID: string): Promise<CreateShareResponse> {
  const response = await api("POST", "/api/share", { sessionID });
  expect(response.status).toBe(200);
  return (await response.json()) as CreateShareResponse;
}

/** Syncs `data` to a share, in batches the API accepts; every item must be accepted. Returns the last answer. */
export async function sync(share: CreateShareResponse, data: unknown[]): Promise<SyncResponse> {
  let answer: SyncResponse | undefined;
  for (let start = 0; start < data.length || answer === undefined; start += SYNC_BATCH_ITEMS) {
    const response = await api("POST", `/api/share/${share.id}/sync`, {
      secret: share.secret,
      data: data.slice(start, start + SYNC_BATCH_ITEMS),
    });
    expect(response.status).toBe(200);
    answer = (await response.json()) as SyncResponse;
    expect(answer.refused).toEqual([]);
  }
  return answer;
}

/** Waits until the share's R2 snapshot reflects `seq` (the room writes R2 about a second after a sync). */
export async function waitForSnapshot(shareId: string, seq: number): Promise<void> {
  const deadline = Date.now() + PAGE_DEADLINE_MS;
  while (Date.now() < deadline) {
    const summary = (await (await api("GET", `/api/share/${shareId}`)).json()) as { seq?: number };
    if ((summary.seq ?? 0) >= seq) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the snapshot of ${shareId} did not reach seq ${seq}`);
}

/**
 * A page in a context of its own that records uncaught errors, CSP violations and dialogs (all of which the tests
 * expect to stay empty), not yet navigated: routes can be set up before the first request.
 */
export async function watchedPage(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_DEADLINE_MS);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error}`));
  page.on("dialog", (dialog) => {
    errors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.text().startsWith("CSP violation")) errors.push(message.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return { context, page, errors };
}

/** A {@link watchedPage} opened at `url`. */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await watchedPage(browser, options);
  await page.goto(url);
  return { page, errors };
}

/**
 * Scrolls the (virtualized) conversation from top to bottom and returns every message id rendered on the way, in
 * order of first appearance. The list keeps only the rows near the viewport in the DOM.
 */
export async function collectMessageIds(page: Page, options: { openDetails?: boolean } = {}): Promise<string[]> {
  return page.evaluate(async (openDetails) => {
    const seen: string[] = [];
    const collect = () => {
      // Opening every disclosure renders what it folds (reasoning, prompts, per-turn file diffs) too.
      if (openDetails) for (const details of document.querySelectorAll("details")) details.open = true;
      for (const node of document.querySelectorAll<HTMLElement>("[data-message-id]")) {
        const id = node.dataset.messageId!;
        if (!seen.includes(id)) seen.push(id);
      }
    };
    window.scrollTo(0, 0);
    for (let guard = 0; guard < 2000; guard++) {
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      collect();
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) break;
      window.scrollBy(0, window.innerHeight * 0.8);
    }
    collect();
    return seen;
  }, options.openDetails === true);
}

/** Shows a part or message through the page's own deep-link handling (`#<id>`), without reloading. */
export async function reveal(page: Page, id: string): Promise<void> {
  await page.evaluate((target) => {
    location.hash = `#${target}`;
  }, id);
  await page.locator(`[id="${id}"]`).waitFor();
}

/**
 * Waits until the page's layout has settled — the scroll position, the document height and (given a selector) that
 * element's top are the same on two consecutive pairs of animation frames — and returns the element's top (px from
 * the viewport top; 0 without a selector). Frames, not timers: a busy machine only makes it slower.
 */
export async function settledTop(page: Page, selector?: string): Promise<number> {
  return page.evaluate(async (selector) => {
    const measure = () => [
      window.scrollY,
      document.documentElement.scrollHeight,
      selector ? (document.querySelector(selector)?.getBoundingClientRect().top ?? Number.NaN) : 0,
    ];
    const frames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    let last = measure();
    for (let i = 0; i < 600; i++) {
      await frames();
      const next = measure();
      if (next.every((value, index) => value === last[index])) return next[2]!;
      last = next;
    }
    throw new Error("layout did not settle within 600 frame pairs");
  }, selector);
}
