/**
 * Takes `docs/screenshots/{desktop,mobile}-{light,dark}.png` of the recorded opencode session (fixture A), replayed
 * sync by sync into the real stack as the CLI sent it. Run with `npm run screenshots -w @shareroom/web`.
 */
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, it } from "vitest";
import { createShare, launch, reveal, sync, waitForSnapshot } from "../e2e/helpers";
import { recorded, recordedSyncItems } from "../fixtures/items";

const OUT = fileURLToPath(new URL("../../../../docs/screenshots/", import.meta.url));

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
    await context.close();
  }
});
