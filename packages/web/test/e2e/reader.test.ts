/**
 * The share page as a reader uses it, in real Chromium against the real stack: find over the whole (virtualized)
 * share, scrolling that is the reader's own, keyboard focus and shortcuts, and WCAG 2.2 AA as axe-core checks it.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countOccurrences, fold, searchDoc } from "../../src/lib/search-index";
import { generateSession, makeId, recorded, type TestItem } from "../fixtures/items";
import { axeViolations, serious } from "./a11y";
import { createShare, launch, openPage, settledTop, sync, waitForSnapshot } from "./helpers";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

/** A share of `items`, ready in R2. */
async function shareOf(sessionID: string, items: TestItem[]) {
  const share = await createShare(sessionID);
  const answer = await sync(share, items);
  await waitForSnapshot(share.id, answer.seq);
  return share;
}

/** How often `query` occurs in what find searches of `items` (the same documents the page's worker builds). */
function expectedCount(items: TestItem[], query: string): number {
  let total = 0;
  for (const item of items) {
    const doc = searchDoc(item as never);
    if (doc) total += countOccurrences(fold(doc.text), fold(query));
  }
  return total;
}

async function openShare(url: string, options: Parameters<typeof openPage>[2] = {}) {
  const opened = await openPage(browser, url, { viewport: { width: 1280, height: 900 }, ...options });
  await opened.page.locator("[data-message-id]").first().waitFor();
  // Live, so the header has its final state (a header that changes size moves what is below it).
  await opened.page.locator(".top-bar [data-connection=live]").waitFor();
  // Whole, so no earlier segment lands above what a test measures or focuses (the page paints the newest first).
  await opened.page.getByTestId("loading-older").waitFor({ state: "detached" });
  await settledTop(opened.page);
  return opened;
}

const rendered = (page: Page, id: string) => page.evaluate((target) => document.getElementById(target) !== null, id);

describe("find", () => {
  it("finds a file name that is not rendered, counts every match, steps through them and keeps the query in the URL", async () => {
    const items = recorded();
    const share = await shareOf("ses_find", items);
    // The README is read at the session's start, far above the end where the page opens.
    const query = "README.md";
    const expected = expectedCount(items, query);
    expect(expected).toBeGreaterThan(1);
    const { page, errors } = await openShare(share.url);
    const readmeRead = String(
      items.find((item) => item.data.tool === "read" && JSON.stringify(item.data.state).includes(query))!.data.id,
    );
    expect(await rendered(page, readmeRead)).toBe(false);

    await page.keyboard.press("Control+k");
    const input = page.getByTestId("search-input");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-testid")))
      .toBe("search-input");
    await input.fill(query);
    const count = page.getByTestId("search-count");
    await expect.poll(() => count.textContent()).toBe(`1 of ${expected}`);
    // Written once typing pauses.
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe(query);
    // The first match is scrolled to and marked; the timeline's rendered text carries the highlight.
    const target = page.locator(".is-target");
    await target.waitFor();
    const firstTarget = await target.getAttribute("id");
    const seen = new Set([firstTarget]);
    for (let step = 2; step <= expected; step++) {
      await input.press("Enter");
      await expect.poll(() => count.textContent()).toBe(`${step} of ${expected}`);
      await expect.poll(async () => (await page.locator(".is-target").getAttribute("id")) ?? "").not.toBe("");
      seen.add(await page.locator(".is-target").getAttribute("id"));
    }
    // One of the steps went to the read of README.md, which was not rendered when the page opened.
    await expect.poll(() => [...seen].includes(readmeRead) || rendered(page, readmeRead)).toBe(true);
    await input.press("Enter");
    await expect.poll(() => count.textContent()).toBe(`1 of ${expected}`);
    await input.press("Shift+Enter");
    await expect.poll(() => count.textContent()).toBe(`${expected} of ${expected}`);
    expect(await page.evaluate(() => CSS.highlights.has("search-hit"))).toBe(true);
    await input.press("Escape");
    await page.getByTestId("search-bar").waitFor({ state: "detached" });
    expect(new URL(page.url()).searchParams.get("q")).toBeNull();
    expect(await page.evaluate(() => CSS.highlights.size)).toBe(0);

    // A shared link with ?q= opens with the search done.
    const { page: linked } = await openShare(`${share.url}?q=${encodeURIComponent(query)}`);
    await expect.poll(() => linked.getByTestId("search-count").textContent()).toBe(`1 of ${expected}`);
    await linked.locator(".is-target").waitFor();
    expect(errors).toEqual([]);
    await page.close();
    await linked.close();
  });

  it("opens with /, Ctrl+F and Ctrl+K, filters by tool, errors and role, and counts live changes as they arrive", async () => {
    const items = recorded();
    const sessionID = String(items.find((item) => item.type === "session")!.data.id);
    const share = await shareOf("ses_find_live", items);
    const { page } = await openShare(share.url);
    for (const keys of ["/", "Control+f", "Control+k"]) {
      await page.locator("body").click({ position: { x: 5, y: 300 } });
      await page.keyboard.press(keys);
      await page.getByTestId("search-input").waitFor();
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), keys).toBe("search-input");
      await page.keyboard.press("Escape");
      await page.getByTestId("search-bar").waitFor({ state: "detached" });
    }
    await page.keyboard.press("/");
    const input = page.getByTestId("search-input");
    const count = page.getByTestId("search-count");
    await input.fill("parse");
    const all = expectedCount(items, "parse");
    await expect.poll(() => count.textContent()).toBe(`1 of ${all}`);
    const filter = page.locator(".search-filter");
    await filter.selectOption("tool:bash");
    const bashOnly = expectedCount(
      items.filter((item) => item.data.tool === "bash"),
      "parse",
    );
    await expect.poll(() => count.textContent()).toBe(`1 of ${bashOnly}`);
    await filter.selectOption("errors");
    const errorsOnly = expectedCount(
      items.filter((item) => (item.data.state as { status?: string } | undefined)?.status === "error"),
      "parse",
    );
    await expect.poll(() => count.textContent()).toBe(errorsOnly === 0 ? "No matches" : `1 of ${errorsOnly}`);
    await filter.selectOption("user");
    const userIds = new Set(
      items.filter((item) => item.type === "message" && item.data.role === "user").map((item) => item.data.id),
    );
    const userOnly = expectedCount(
      items.filter((item) => userIds.has(item.data.messageID) || userIds.has(item.data.id)),
      "parse",
    );
    await expect.poll(() => count.textContent()).toBe(`1 of ${userOnly}`);
    await filter.selectOption("");

    // A live part that mentions the query is counted as soon as it arrives.
    const message = items.filter((item) => item.type === "message").at(-1)!;
    await sync(share, [
      {
        type: "part",
        data: {
          id: makeId("prt", 9_000_000),
          messageID: message.data.id,
          sessionID,
          type: "text",
          text: "One more parse, and another Parse.",
        },
      },
    ]);
    await expect.poll(() => count.textContent()).toBe(`1 of ${all + 2}`);
    await page.close();
  });

  it("counts a match a live change brings to a query that had none, without moving the reader there", async () => {
    const items = recorded();
    const sessionID = String(items.find((item) => item.type === "session")!.data.id);
    const share = await shareOf("ses_find_late_match", items);
    const { page } = await openShare(share.url);
    await page.evaluate(() => window.scrollTo(0, 0));
    await settledTop(page);
    await page.keyboard.press("/");
    const count = page.getByTestId("search-count");
    await page.getByTestId("search-input").fill("quokkaquux");
    await expect.poll(() => count.textContent()).toBe("No matches");
    const message = items.filter((item) => item.type === "message").at(-1)!;
    const partId = makeId("prt", 9_100_000);
    await sync(share, [
      {
        type: "part",
        data: { id: partId, messageID: message.data.id, sessionID, type: "text", text: "A quokkaquux, at last." },
      },
    ]);
    await expect.poll(() => count.textContent()).toBe("1 of 1");
    // Proving that nothing happens takes a wait: well past the pause after which find would have jumped.
    await page.waitForTimeout(1_000);
    await settledTop(page);
    expect(await page.evaluate(() => window.scrollY)).toBeLessThan(100);
    expect(await rendered(page, partId)).toBe(false);
    await page.close();
  });

  it("finds a match past the cut of an output too large to lay out, and shows the output whole to mark it", async () => {
    const items = recorded();
    const bash = items.filter((item) => item.data.tool === "bash").at(-1)!;
    const state = bash.data.state as Record<string, unknown>;
    const lines = Array.from({ length: 5000 }, (_, i) => `line ${i + 1}: ${"y".repeat(40)}`);
    state.output = [...lines, "wombatwidget at the very end"].join("\n");
    const share = await shareOf("ses_find_cut_output", items);
    const { page, errors } = await openShare(share.url);
    const partId = String(bash.data.id);
    await page.evaluate((id) => document.getElementById(id)?.scrollIntoView(), partId);
    const cut = page.locator(`[id="${partId}"] [data-cut]`);
    await cut.waitFor();
    expect(await page.locator(`[id="${partId}"] .output`).textContent()).not.toContain("wombatwidget");

    await page.keyboard.press("/");
    await page.getByTestId("search-input").fill("wombatwidget");
    await expect.poll(() => page.getByTestId("search-count").textContent()).toBe("1 of 1");
    await expect.poll(() => page.locator(".is-target").getAttribute("id")).toBe(partId);
    await cut.waitFor({ state: "detached" });
    await expect
      .poll(() => page.evaluate(() => [...(CSS.highlights.get("search-current") ?? [])].map(String)))
      .toEqual(["wombatwidget"]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** The px each of `presses` PageDown presses moves the window, each measured once the scroll has settled. */
async function pageDownDistances(page: Page, presses: number): Promise<number[]> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await settledTop(page);
  const moves: number[] = [];
  for (let i = 0; i < presses; i++) {
    const before = await page.evaluate(() => window.scrollY);
    await page.keyboard.press("PageDown");
    await settledTop(page);
    moves.push(Math.round((await page.evaluate(() => window.scrollY)) - before));
  }
  return moves;
}

describe("scrolling", () => {
  it("moves ten PageDown presses as far as a static page does, each of them", async () => {
    const share = await shareOf(
      "ses_pagedown",
      generateSession(600, { sessionID: "ses_pagedown", outputPadding: 1500 }),
    );
    const { page } = await openShare(share.url);
    const ours = await pageDownDistances(page, 10);
    const staticPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await staticPage.setContent(
      `<!doctype html><body style="margin:0">${"<p style='height:300px;margin:0'>static</p>".repeat(200)}</body>`,
    );
    const floor = await pageDownDistances(staticPage, 10);
    console.log(`PageDown ×10: page ${ours.join(", ")} px; static ${floor.join(", ")} px`);
    expect(ours).toEqual(floor);
    await staticPage.close();
    await page.close();
  });

  it("does not pull a reader who scrolls up just as a live batch arrives back to the end", async () => {
    const items = recorded();
    const sessionID = String(items.find((item) => item.type === "session")!.data.id);
    const share = await shareOf("ses_yank", items);
    const { page } = await openShare(share.url);
    // The reader goes to the end, and the page follows from there.
    await page.keyboard.press("End");
    await settledTop(page);
    await page.keyboard.press("End");
    await settledTop(page);
    await page.getByTestId("jump-latest").waitFor({ state: "detached" });
    // An id past every recorded one: the message goes last.
    const newId = makeId("msg", 2 ** 28);
    // The moment the live message's row renders (its scroll to the end is queued for the next frame), the reader
    // scrolls up with the wheel: the wheel event, then the scroll it causes.
    await page.evaluate((id) => {
      new MutationObserver((_, observer) => {
        if (!document.getElementById(id)) return;
        observer.disconnect();
        window.dispatchEvent(new WheelEvent("wheel", { deltaY: -400 }));
        window.scrollBy({ top: -400, behavior: "instant" });
        (window as unknown as { __scrolledTo: number }).__scrolledTo = window.scrollY;
      }).observe(document.body, { childList: true, subtree: true });
    }, newId);
    await sync(share, [
      {
        type: "message",
        data: { id: newId, sessionID, role: "user", time: { created: Date.now() } },
      },
      {
        type: "part",
        data: {
          id: makeId("prt", 2 ** 28 + 1),
          messageID: newId,
          sessionID,
          type: "text",
          text: "A new question.\n".repeat(20),
        },
      },
    ]);
    await page.waitForFunction(() => (window as unknown as { __scrolledTo?: number }).__scrolledTo !== undefined);
    await settledTop(page);
    const { y, bottom } = await page.evaluate(() => ({
      y: window.scrollY,
      bottom: document.documentElement.scrollHeight - window.innerHeight,
    }));
    expect(bottom - y).toBeGreaterThan(300);
    await page.close();
  });

  it("ends the conversation above the footer", async () => {
    const share = await shareOf("ses_footer", generateSession(120, { sessionID: "ses_footer" }));
    const { page } = await openShare(share.url);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await settledTop(page);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await settledTop(page);
    const { lastBottom, footerTop } = await page.evaluate(() => ({
      lastBottom: [...document.querySelectorAll(".row")].at(-1)!.getBoundingClientRect().bottom,
      footerTop: document.querySelector(".share-footer")!.getBoundingClientRect().top,
    }));
    expect(footerTop).toBeGreaterThanOrEqual(lastBottom - 1);
    await page.close();
  });
});

describe("keyboard", () => {
  it("keeps focus in the conversation when the focused row is virtualized away, and puts it back when it returns", async () => {
    const share = await shareOf("ses_focus", generateSession(400, { sessionID: "ses_focus" }));
    const { page } = await openShare(share.url);
    // The page opens a share at its end; the test starts from its first message.
    await page.evaluate(() => window.scrollTo(0, 0));
    await settledTop(page);
    const first = page.locator("[data-message-id]").first().locator("a[href], button, summary").first();
    await first.focus();
    const focusedHtml = await first.evaluate((element) => element.outerHTML);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight / 2));
    await settledTop(page);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("timeline");
    await page.evaluate(() => window.scrollTo(0, 0));
    await settledTop(page);
    expect(await page.evaluate(() => document.activeElement?.outerHTML)).toBe(focusedHtml);
    await page.close();
  });

  it("lists the shortcuts on ?", async () => {
    const share = await shareOf("ses_help", generateSession(20, { sessionID: "ses_help" }));
    const { page } = await openShare(share.url);
    await page.keyboard.press("?");
    const dialog = page.getByTestId("shortcuts");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Find in this share");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.close();
  });
});

describe("accessibility", () => {
  for (const capture of ["opencode-1.18.33-A", "opencode-1.18.33-C-slow-server"]) {
    it(`has no serious or critical axe-core violations on ${capture}, light and dark, desktop and phone`, async () => {
      const items = recorded(capture);
      const share = await shareOf(`ses_axe_${capture.slice(-1)}`, items);
      const found: string[] = [];
      for (const colorScheme of ["light", "dark"] as const) {
        for (const viewport of [
          { width: 1440, height: 900 },
          { width: 390, height: 844 },
        ]) {
          const { page } = await openShare(share.url, { viewport, colorScheme, isMobile: viewport.width < 500 });
          // The top, the middle and the end of the conversation, with their disclosures open (so what they fold is
          // checked too).
          for (const at of [0, 0.5, 1]) {
            const y = await page.evaluate((fraction) => {
              window.scrollTo(0, (document.documentElement.scrollHeight - window.innerHeight) * fraction);
              for (const details of document.querySelectorAll("details")) details.open = true;
              return Math.round(window.scrollY);
            }, at);
            await settledTop(page);
            for (const violation of serious(await axeViolations(page))) {
              for (const node of violation.nodes) {
                found.push(
                  `${colorScheme} ${viewport.width}px at ${y}: ${violation.id} ${node.target} ${node.summary}`,
                );
              }
            }
          }
          await page.close();
        }
      }
      expect([...new Set(found)]).toEqual([]);
    }, 180_000);
  }
});
