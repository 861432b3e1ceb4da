/**
 * The share page as it opens and changes: a reverted turn, removals arriving live, the first paint in the HTML
 * (title, facts and link-preview tags before any script runs), and what a reload downloads again.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesChanged, revertOf } from "../../src/lib/session";
import { recorded, revertedCapture } from "../fixtures/items";
import { api, createShare, launch, openPage, origin, reveal, sync, waitForSnapshot } from "./helpers";

let browser: Browser;

const POLL = { timeout: 10_000 };

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe("a reverted turn", () => {
  it("is collapsed under a reverted marker, shown dimmed on request, and left out of the files changed", async () => {
    const { items, revertedFrom } = revertedCapture();
    const share = await createShare("ses_reverted");
    await waitForSnapshot(share.id, (await sync(share, items)).seq);
    const users = items.filter((item) => item.type === "message" && item.data.role === "user").map((i) => i.data);
    const session = items.find((item) => item.type === "session")!.data;
    const sessionDiff = items.find((item) => item.type === "session_diff")?.data;
    const expected = filesChanged(sessionDiff, users, revertOf(session));
    const unreverted = filesChanged(
      recorded().find((item) => item.type === "session_diff")?.data,
      recorded()
        .filter((item) => item.type === "message" && item.data.role === "user")
        .map((i) => i.data),
    );
    expect(expected.files.length + expected.additions).toBeLessThan(unreverted.files.length + unreverted.additions);

    const { page, errors } = await openPage(browser, share.url);
    await reveal(page, revertedFrom);
    await page.getByTestId("revert-marker").waitFor();
    expect(await page.getByTestId("stat-files").textContent()).toBe(`${expected.files.length} changed`);
    // Collapsed: the reverted user message holds the marker and none of its parts.
    const first = page.locator(`[data-message-id="${revertedFrom}"]`);
    expect(await first.getAttribute("data-reverted")).toBe("");
    expect(await first.locator(".part").count()).toBe(0);
    await page.getByTestId("revert-toggle").click();
    await expect.poll(() => first.locator(".part").count(), POLL).toBeGreaterThan(0);
    expect(await page.getByTestId("revert-toggle").getAttribute("aria-expanded")).toBe("true");
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe("removals", () => {
  it("drop a message and its parts from an open page as they happen", async (context) => {
    const items = recorded();
    const share = await createShare("ses_removed_live");
    await waitForSnapshot(share.id, (await sync(share, items)).seq);
    const { page, errors } = await openPage(browser, share.url);
    const users = items.filter((item) => item.type === "message" && item.data.role === "user");
    const target = users[1]!.data.id as string;
    await page.locator(`[data-message-id]`).first().waitFor();
    const response = await api("POST", `/api/share/${share.id}/sync`, {
      secret: share.secret,
      data: [],
      removed: [`message/${target}`],
    });
    const answer = (await response.json()) as { removed?: number };
    // A server without the removal extension ignores the field: nothing to observe on this page then.
    if (answer.removed === undefined) context.skip();
    expect(answer.removed).toBeGreaterThan(1);
    await expect
      .poll(
        () =>
          page.evaluate((id) => {
            window.scrollTo(0, document.documentElement.scrollHeight);
            return document.querySelector(`[data-message-id="${id}"]`) === null;
          }, target),
        POLL,
      )
      .toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe("caching", () => {
  it("sends hashed assets as immutable for a year", async () => {
    const html = await (await fetch(`${origin}/`, { headers: { accept: "text/html" } })).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const response = await fetch(`${origin}${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get("cache-control"), asset).toBe("public, max-age=31536000, immutable");
    }
  });
});
