/**
 * Takes `docs/screenshots/{desktop,mobile}-{light,dark}.png` of the recorded opencode session (fixture A), replayed
 * sync by sync into the real stack as the CLI sent it, and `search-desktop-light.png` and `search-mobile-dark.png`
 * with find open on it; `reverted.png` and `reverted-mobile-dark.png` of the same session with its second turn
 * undone, `claude-code.png` of a Claude Code session as `shareroom share` maps it, and `preview.png`, the
 * link-preview image the worker renders. Run with `npm run screenshots -w @shareroom/web`.
 */

import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, it } from "vitest";
import { createShare, launch, reveal, sync, waitForSnapshot } from "../e2e/helpers";
import { claudeShare } from "../fixtures/agents";
import { recorded, recordedSyncItems, revertedCapture } from "../fixtures/items";

const OUT = fileURLToPath(new URL("../../../../docs/screenshots/", import.meta.url));

/** What the find screenshots search for: a file the session read, edited and listed. */
const SEARCH_QUERY = "CHANGELOG.md";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
  await mkdir(OUT, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

it("takes the README's screenshots", async () => {
  const items = recorded();
  const share = await createShare(String(items.find((item) => item.type === "session")!.data.id));
  const answer = await sync(share, recordedSyncItems());
  await sync(share, items);
  await waitForSnapshot(share.id, answer.seq);
  const edit = items.filter((item) => item.data.tool === "edit")[0]!;
  const shots = [
    {
      name: "desktop-light",
      scheme: "light",
      viewport: { width: 1280, height: 860 },
      scale: 1,
      mobile: false,
      at: undefined,
    },
    {
      name: "desktop-dark",
      scheme: "dark",
      viewport: { width: 1280, height: 860 },
      scale: 1,
      mobile: false,
      at: String(edit.data.id),
    },
    {
      name: "mobile-light",
      scheme: "light",
      viewport: { width: 390, height: 844 },
      scale: 2,
      mobile: true,
      at: undefined,
    },
    {
      name: "mobile-dark",
      scheme: "dark",
      viewport: { width: 390, height: 844 },
      scale: 2,
      mobile: true,
      at: String(edit.data.id),
    },
  ] as const;
  for (const shot of shots) {
    const context = await browser.newContext({
      viewport: shot.viewport,
      deviceScaleFactor: shot.scale,
      isMobile: shot.mobile,
      hasTouch: shot.mobile,
      colorScheme: shot.scheme,
      reducedMotion: "reduce",
    });
    const page = await context.newPage();
    await page.goto(share.url);
    await page.locator('[data-connection="live"]').waitFor();
    await page.locator("[data-message-id]").first().waitFor();
    if (shot.at) {
      await reveal(page, shot.at);
      await page.locator(`[id="${shot.at}"] tr.diff-add td.text .hljs`).first().waitFor();
      await page.evaluate(() => window.scrollBy(0, -12));
    }
    // Let highlighting and the relative times settle.
    await page.waitForTimeout(800);
    await page.screenshot({ path: `${OUT}${shot.name}.png` });
    // Find, in the same scheme and size: a file name that is mostly in text not rendered, stepped to its match.
    if (shot.name === "desktop-light" || shot.name === "mobile-dark") {
      await page.keyboard.press("/");
      await page.getByTestId("search-input").fill(SEARCH_QUERY);
      await page
        .getByTestId("search-count")
        .filter({ hasText: / of \d+$/ })
        .waitFor();
      await page.getByTestId("search-input").press("Enter");
      await page.locator(".is-target").first().waitFor();
      await page.waitForTimeout(800);
      await page.screenshot({ path: `${OUT}search-${shot.name}.png` });
    }
    await context.close();
  }
});

it("takes the reverted turn, an agent's session and the link preview", async () => {
  const { items, revertedFrom } = revertedCapture();
  const reverted = await createShare("ses_screenshot_reverted");
  await waitForSnapshot(reverted.id, (await sync(reverted, items)).seq);
  const claude = await createShare("ses_screenshot_claude");
  await waitForSnapshot(claude.id, (await sync(claude, claudeShare())).seq);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: "light",
    reducedMotion: "reduce",
  });
  const page = await context.newPage();
  await page.goto(reverted.url);
  await page.locator("[data-message-id]").first().waitFor();
  await reveal(page, revertedFrom);
  await page.getByTestId("revert-toggle").click();
  await page.locator(`[id="${revertedFrom}"] .part`).first().waitFor();
  // Shown again once it has grown: the marker near the top, the end of the turn before it above.
  await page.evaluate(() => {
    location.hash = "";
  });
  await reveal(page, revertedFrom);
  await page.evaluate(() => window.scrollBy(0, -120));
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${OUT}reverted.png` });
  // The reverted turn collapsed under its marker, on a phone in the dark scheme.
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme: "dark",
    reducedMotion: "reduce",
  });
  const phonePage = await phone.newPage();
  await phonePage.goto(reverted.url);
  await phonePage.locator("[data-message-id]").first().waitFor();
  await reveal(phonePage, revertedFrom);
  await phonePage.getByTestId("revert-toggle").waitFor();
  await phonePage.evaluate(() => window.scrollBy(0, -240));
  await phonePage.waitForTimeout(800);
  await phonePage.screenshot({ path: `${OUT}reverted-mobile-dark.png` });
  await phone.close();
  await page.goto(claude.url);
  await page.locator('[data-tool="Edit"] tr.diff-add').first().waitFor();
  await page.getByTestId("child-session").locator("summary").click();
  await page.waitForTimeout(800);
  await page.setViewportSize({ width: 1280, height: 1180 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${OUT}claude-code.png` });
  await context.close();
  const image = await fetch(`${reverted.url}/og.png`);
  await writeFile(`${OUT}preview.png`, new Uint8Array(await image.arrayBuffer()));
});
