/**
 * The smaller things a reader meets, in real Chromium against the real stack: a share whose CLI exited mid-turn
 * reads as ended, "Jump to latest" only when there is something to jump to (and off the conversation on a phone),
 * errors in words, inline text attachments that open, plain turn titles, and files changed counted from tool calls.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeId, synthetic, type TestItem } from "../fixtures/items";
import { createShare, launch, openPage, settledTop, sync } from "./helpers";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

/** An hour ago (Unix ms): long enough for an unfinished turn to count as abandoned. */
const AN_HOUR_AGO = Date.now() - 3_600_000;

/**
 * A session of `turns` user turns (the first titled in markdown), each answered by an assistant message with a
 * long text and an edit; the last answer is left unfinished, as by a CLI that exited before its last batch. No
 * message carries per-turn diffs.
 */
function abandonedSession(sessionID: string, turns: number): TestItem[] {
  const items: TestItem[] = [
    {
      type: "session",
      data: { id: sessionID, title: "Abandoned", time: { created: AN_HOUR_AGO, updated: AN_HOUR_AGO } },
    },
  ];
  let counter = 0;
  for (let turn = 0; turn < turns; turn++) {
    const user = makeId("msg", counter++);
    const assistant = makeId("msg", counter++);
    items.push(
      { type: "message", data: { id: user, sessionID, role: "user", time: { created: AN_HOUR_AGO } } },
      {
        type: "part",
        data: {
          id: makeId("prt", counter++),
          messageID: user,
          sessionID,
          type: "text",
          text: turn === 0 ? "## Fix **the** parser\nmore" : `Question ${turn}`,
        },
      },
      {
        type: "message",
        data: {
          id: assistant,
          sessionID,
          role: "assistant",
          time: turn === turns - 1 ? { created: AN_HOUR_AGO } : { created: AN_HOUR_AGO, completed: AN_HOUR_AGO },
        },
      },
      {
        type: "part",
        data: {
          id: makeId("prt", counter++),
          messageID: assistant,
          sessionID,
          type: "text",
          text: "An answer.\n\n".repeat(30),
        },
      },
      {
        type: "part",
        data: {
          id: makeId("prt", counter++),
          messageID: assistant,
          sessionID,
          type: "tool",
          tool: "edit",
          callID: `call_${counter}`,
          state: {
            status: "completed",
            input: { filePath: `/home/dev/src/file${turn % 3}.js`, oldString: "a", newString: "b" },
            metadata: { diff: "--- a\n+++ b\n-a\n+b\n+c" },
            time: { start: AN_HOUR_AGO, end: AN_HOUR_AGO },
          },
        },
      },
    );
  }
  return items;
}

describe("a share whose CLI exited mid-turn", () => {
  it("reads as ended: no spinner, 'Up to date' beside 'Ended', files counted from the edits, plain turn titles", async () => {
    const sessionID = "ses_abandoned";
    const share = await createShare(sessionID);
    await sync(share, abandonedSession(sessionID, 12));
    const { page, errors } = await openPage(browser, share.url, { viewport: { width: 1280, height: 900 } });
    await page.locator("[data-message-id]").first().waitFor();
    await expect.poll(() => page.getByTestId("run-state").textContent()).toContain("Ended");
    await expect.poll(() => page.locator(".connection").textContent()).toBe("Up to date");
    expect(await page.getByTestId("stat-files").textContent()).toBe("3 changed");
    expect(await page.locator(".turn-sidebar .turn-title").first().textContent()).toBe("Fix the parser");
    // At the end, the last (unfinished) turn does not say it is working.
    await page.keyboard.press("End");
    await settledTop(page);
    await page.keyboard.press("End");
    await settledTop(page);
    expect(await page.locator(".working").count()).toBe(0);
    // Scrolled away from the end of an ended share with nothing new: nothing to jump to.
    await page.evaluate(() => window.scrollTo(0, 0));
    await settledTop(page);
    expect(await page.getByTestId("jump-latest").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("offers the latest on a phone in the top bar, not over the conversation, once something new arrives", async () => {
    const sessionID = "ses_phone_latest";
    const share = await createShare(sessionID);
    const items = abandonedSession(sessionID, 12);
    await sync(share, items);
    const { page } = await openPage(browser, share.url, { viewport: { width: 390, height: 844 }, isMobile: true });
    await page.locator("[data-message-id]").first().waitFor();
    await page.getByTestId("loading-older").waitFor({ state: "detached" });
    await settledTop(page);
    // The page follows the end it opens at; the offer is for a reader who went back up to read.
    await page.keyboard.press("Home");
    await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
    await settledTop(page);
    const last = items.filter((item) => item.type === "message").at(-1)!;
    await sync(share, [
      { type: "message", data: { id: makeId("msg", 10_000), sessionID, role: "user", time: { created: Date.now() } } },
      {
        type: "part",
        data: {
          id: makeId("prt", 10_001),
          messageID: makeId("msg", 10_000),
          sessionID,
          type: "text",
          text: "And now?",
        },
      },
      { type: "message", data: { ...last.data, time: { created: AN_HOUR_AGO, completed: AN_HOUR_AGO } } },
    ]);
    const offer = page.getByTestId("jump-latest-bar");
    await offer.waitFor();
    expect(await offer.textContent()).toContain("1 new");
    expect(await page.getByTestId("jump-latest").isVisible()).toBe(false);
    // It sits in the top bar.
    const box = (await offer.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(52);
    await offer.click();
    await page.locator(`[id="${makeId("msg", 10_000)}"]`).waitFor();
    await offer.waitFor({ state: "detached" });
    await page.close();
  });
});

describe("parts in words a reader reads", () => {
  it("names errors in words, names the subagent, and opens a text attachment as plain text", async () => {
    const sessionID = "ses_words";
    const share = await createShare(sessionID);
    const user = makeId("msg", 1);
    const assistant = makeId("msg", 2);
    const text = "<b>not markup</b> plain notes";
    await sync(share, [
      { type: "message", data: { id: user, sessionID, role: "user", time: { created: Date.now() } } },
      {
        type: "part",
        data: {
          ...synthetic.pdf,
          id: makeId("prt", 3),
          messageID: user,
          sessionID,
          mime: "text/html",
          filename: "notes.html",
          url: `data:text/html;base64,${Buffer.from(text).toString("base64")}`,
        },
      },
      {
        type: "message",
        data: {
          id: assistant,
          sessionID,
          role: "assistant",
          time: { created: Date.now(), completed: Date.now() },
          error: { name: "MessageOutputLengthError", data: {} },
        },
      },
      { type: "part", data: { ...synthetic.task, id: makeId("prt", 4), messageID: assistant, sessionID } },
    ]);
    const { page, errors } = await openPage(browser, share.url, { viewport: { width: 1280, height: 900 } });
    await page.locator(".notice-error").waitFor();
    expect(await page.locator(".notice-error strong").textContent()).toBe(
      "The reply was cut off: it reached the model's output limit",
    );
    expect(await page.locator(".tool[data-tool='task'] summary").allTextContents()).toContain(
      "Prompt given to the explore agent",
    );
    const opened = page.context().waitForEvent("page");
    await page.getByRole("button", { name: "Open notes.html" }).click();
    const tab = await opened;
    await tab.waitForLoadState();
    expect(tab.url().startsWith("blob:")).toBe(true);
    // Shown as text, never run as a document of the page's origin.
    expect(await tab.evaluate(() => document.body.textContent)).toBe(text);
    expect(await tab.locator("b").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
