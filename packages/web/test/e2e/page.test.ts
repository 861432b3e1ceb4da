/**
 * The share page against the real stack in real Chromium: the worker's headers, 404s and markdown; the XSS corpus;
 * the reader's place during live updates; deep links and navigation; exports; the admin page; a phone's width.
 */
import type { Item } from "@shareroom/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { buildShareMarkdown } from "../../src/lib/share-markdown";
import { generateSession, makeId, PNG_DATA_URL, recorded, synthetic } from "../fixtures/items";
import {
  api,
  collectMessageIds,
  createShare,
  launch,
  openPage,
  origin,
  POLL,
  reveal,
  settledTop,
  sync,
  waitForSnapshot,
} from "./helpers";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

/** A share holding the recorded session (fixture A's final items), ready in R2. */
async function recordedShare(sessionID: string) {
  const share = await createShare(sessionID);
  const answer = await sync(share, recorded());
  await waitForSnapshot(share.id, answer.seq);
  return share;
}

describe("the worker", () => {
  it("sends every page with a strict Content-Security-Policy, noindex and no-referrer headers", async () => {
    const share = await recordedShare("ses_headers");
    for (const path of ["/", "/admin", `/share/${share.id}`, "/share/nO5uchShareExists00000"]) {
      const response = await fetch(`${origin}${path}`, { headers: { accept: "text/html" } });
      expect(response.headers.get("content-type"), path).toContain("text/html");
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain("unsafe-inline");
      expect(csp, path).toContain("img-src 'self' data:");
      expect(response.headers.get("x-robots-tag"), path).toBe("noindex, nofollow");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });

  it("answers 404 for a missing share, a malformed id and an unknown page; 200 for a share", async () => {
    const share = await recordedShare("ses_statuses");
    const status = async (path: string) =>
      (await fetch(`${origin}${path}`, { headers: { accept: "text/html" } })).status;
    expect(await status(`/share/${share.id}`)).toBe(200);
    expect(await status("/share/nO5uchShareExists00000")).toBe(404);
    expect(await status("/share/not%20an%20id")).toBe(404);
    expect(await status("/no/such/page")).toBe(404);
    // After a delete the same address is a 404 too.
    expect((await api("DELETE", `/api/share/${share.id}`, { secret: share.secret })).status).toBe(200);
    expect(await status(`/share/${share.id}`)).toBe(404);
  });

  it("serves the share as markdown at /share/:id.md and to clients that ask for text/markdown", async () => {
    const share = await recordedShare("ses_markdown");
    const items = (await (await api("GET", `/api/share/${share.id}/data`)).json()) as Item[];
    const expected = buildShareMarkdown(items, { url: share.url });
    const byPath = await fetch(`${share.url}.md`);
    expect(byPath.status).toBe(200);
    expect(byPath.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    const text = await byPath.text();
    expect(text).toBe(expected);
    expect(text.startsWith("# Fix CSV parser for quoted fields with commas\n")).toBe(true);
    expect(text).toContain("$ node --test test/");
    const negotiated = await fetch(share.url, { headers: { accept: "text/markdown, text/plain;q=0.5" } });
    expect(negotiated.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(await negotiated.text()).toBe(expected);
    // A second read is served from the cache at this seq, and is the same.
    expect(await (await fetch(`${share.url}.md`)).text()).toBe(expected);
    const missing = await fetch(`${origin}/share/nO5uchShareExists00000.md`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("# Share not found");
    // The cached markdown does not outlive the share.
    expect((await api("DELETE", `/api/share/${share.id}`, { secret: share.secret })).status).toBe(200);
    const deleted = await fetch(`${share.url}.md`);
    expect(deleted.status).toBe(404);
    expect(await deleted.text()).toContain("# Share not found");
  });
});

describe("the share page", () => {
  it("executes nothing from an XSS corpus in text, tool output, file names, titles and diffs", async () => {
    const payloads = [
      "<script>window.__xss='script'</script>",
      "<img src=x onerror=\"window.__xss='img'\">",
      "<svg onload=\"window.__xss='svg'\"><circle r=1 /></svg>",
      "<svg><script>window.__xss='svg-script'</script></svg>",
      "</script><script>window.__xss='json-breakout'</script>",
      "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
      "<details open ontoggle=\"window.__xss='details'\">x</details>",
      "<a href=\"javascript:window.__xss='href'\">click</a>",
      "<a href=\"jav&#x09;ascript:window.__xss='entity'\">tab</a>",
      "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss='mxss'\">",
      "<form action=\"javascript:window.__xss='form'\"><button>go</button></form>",
      "<object data=\"data:text/html,<script>parent.__xss='object'</script>\"></object>",
      "[link](javascript:window.__xss='md-link') ![img](javascript:window.__xss='md-img')",
      "[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
      "<a href=\"\u0001javascript:window.__xss='control'\">control</a>",
      "[redacted:<img src=x onerror=\"window.__xss='marker'\">]",
      "<style>body{background:url(https://tracker.example/x.png)}</style>",
      "![remote](https://tracker.example/pixel.png)",
    ];
    const all = payloads.join("\n\n");
    const sessionID = "ses_xss";
    const user = makeId("msg", 1);
    const assistant = makeId("msg", 2);
    const part = (id: number, messageID: string, fields: Record<string, unknown>) => ({
      type: "part",
      data: { id: makeId("prt", id), messageID, sessionID, ...fields },
    });
    const share = await createShare(sessionID);
    await sync(share, [
      { type: "session", data: { id: sessionID, title: `${payloads[1]} ${payloads[4]}`, version: payloads[0] } },
      { type: "model", data: [{ id: "m", providerID: "p", name: payloads[2] }] },
      {
        type: "message",
        data: {
          id: user,
          role: "user",
          sessionID,
          summary: {
            diffs: [
              {
                file: payloads[1],
                patch: `@@ -1 +1 @@\n-${payloads[0]}\n+${payloads[2]}\n`,
                additions: 1,
                deletions: 1,
              },
            ],
          },
        },
      },
      part(3, user, { type: "text", text: all }),
      part(4, user, {
        type: "file",
        mime: "image/svg+xml",
        filename: `${payloads[1]}.svg`,
        url: "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='parent.__xss=1'/>",
      }),
      {
        type: "message",
        data: {
          id: assistant,
          role: "assistant",
          sessionID,
          modelID: "m",
          providerID: "p",
          agent: payloads[1],
          error: { name: payloads[1], data: { message: payloads[0] } },
        },
      },
      part(5, assistant, { type: "reasoning", text: all, time: { start: 1, end: 2 } }),
      part(6, assistant, { type: "text", text: all }),
      part(7, assistant, {
        type: "tool",
        tool: "bash",
        state: {
          status: "completed",
          input: { command: payloads[4], description: payloads[1] },
          output: all,
          metadata: { exit: 1 },
          title: payloads[0],
          time: { start: 1, end: 2 },
        },
      }),
      part(8, assistant, {
        type: "tool",
        tool: `evil_${payloads[1]}`,
        state: {
          status: "completed",
          input: { [payloads[1]!]: payloads[4], nested: { html: payloads[0] } },
          output: all,
          title: payloads[1],
          time: { start: 1, end: 2 },
        },
      }),
      part(9, assistant, {
        type: "tool",
        tool: "edit",
        state: {
          status: "completed",
          input: { filePath: `/x/${payloads[1]}.html` },
          output: "",
          metadata: {
            diff: `--- a\n+++ b\n@@ -1,2 +1,2 @@\n-${payloads[0]}\n+${payloads[4]}\n ${payloads[1]}\n`,
            diagnostics: {
              [`/x/${payloads[1]}.html`]: [
                { range: { start: { line: 0, character: 0 } }, message: payloads[1], severity: 1 },
              ],
            },
          },
          time: { start: 1, end: 2 },
        },
      }),
      part(10, assistant, {
        type: "tool",
        tool: "write",
        state: {
          status: "completed",
          input: { filePath: "/x/page.html", content: all },
          output: "",
          metadata: {},
          time: { start: 1, end: 2 },
        },
      }),
      part(11, assistant, {
        type: "tool",
        tool: "task",
        state: {
          status: "completed",
          input: { description: payloads[1], prompt: all },
          output: `<task_result>\n${all}\n</task_result>`,
          time: { start: 1, end: 2 },
        },
      }),
      part(12, assistant, {
        type: "tool",
        tool: "todowrite",
        state: {
          status: "completed",
          input: { todos: [{ content: payloads[1], status: "pending" }] },
          output: "",
          time: { start: 1, end: 2 },
        },
      }),
      part(13, assistant, {
        type: "tool",
        tool: "webfetch",
        state: {
          status: "completed",
          input: { url: "javascript:window.__xss='webfetch'" },
          output: all,
          time: { start: 1, end: 2 },
        },
      }),
      part(14, assistant, { type: payloads[1] }),
    ]);
    const { page, errors } = await openPage(browser, share.url);
    await page.locator('[data-connection="live"]').waitFor();
    await page.locator(`[data-part-id="${makeId("prt", 14)}"]`).waitFor();
    // Walk the whole conversation (virtualized) with every disclosure open, then the files view and its diffs.
    await collectMessageIds(page, { openDetails: true });
    await page.locator(".turn-changes table.diff-table").first().waitFor();
    await page.getByTestId("view-files").click();
    await page.evaluate(() => {
      for (const details of document.querySelectorAll(".files-view details"))
        (details as HTMLDetailsElement).open = true;
    });
    await page.locator(".files-view table.diff-table").first().waitFor();
    // The one deliberate pause: a payload that would run does so on an event (an image error, a load) with nothing
    // in the page to await; give such events a moment to fire before asserting that nothing ran.
    await page.waitForTimeout(300);

    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(
      await page.locator("script:not([src]), iframe, object, embed, form, style:not([data-vite-dev-id])").count(),
    ).toBe(0);
    expect(await page.locator("[onerror], [onload], [ontoggle], [srcdoc]").count()).toBe(0);
    expect(await page.locator('a[href^="javascript:" i], a[href^="data:" i], a[href*="script:" i]').count()).toBe(0);
    expect(await page.locator('img[src^="http"]').count()).toBe(0);
    // The title is text: the document title and the heading show the payload as characters.
    expect(await page.title()).toContain("<img src=x onerror=");
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("keeps the reader's place when live updates arrive while scrolled up, and counts what is new", async () => {
    const sessionID = "ses_scroll_hold";
    const items = generateSession(240, { sessionID });
    const share = await createShare(sessionID);
    const first = await sync(share, items);
    await waitForSnapshot(share.id, first.seq);
    const { page, errors } = await openPage(browser, share.url, { viewport: { width: 1100, height: 800 } });
    await page.locator("[data-message-id]").first().waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    // Read somewhere in the middle.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight * 0.45));
    await settledTop(page);
    const before = await page.evaluate(() => {
      const rows = [...document.querySelectorAll<HTMLElement>("[data-message-id]")];
      const top = rows.find((row) => row.getBoundingClientRect().bottom > 60)!;
      return { id: top.dataset.messageId!, top: top.getBoundingClientRect().top, index: rows.indexOf(top) };
    });
    const messageIds = items.filter((item) => item.type === "message").map((item) => String(item.data.id));
    const anchorIndex = messageIds.indexOf(before.id);
    expect(anchorIndex).toBeGreaterThan(5);
    // Three kinds of change at once: messages appended at the end, a message inserted above the reader (an id that
    // sorts before the anchor), and a part above the reader growing by many lines.
    const above = messageIds[anchorIndex - 1]!;
    const abovePart = items.find((item) => item.type === "part" && item.data.messageID === above)!;
    const inserted = `${messageIds[anchorIndex - 2]!}z`;
    const appended = Array.from({ length: 5 }, (_, i) => `${makeId("msg", 900_000 + i)}`);
    await sync(share, [
      ...appended.map((id) => ({
        type: "message",
        data: { id, sessionID, role: "assistant", time: { created: Date.now() } },
      })),
      ...appended.map((id, i) => ({
        type: "part",
        data: { id: makeId("prt", 900_100 + i), messageID: id, sessionID, type: "text", text: `Appended ${i}` },
      })),
      { type: "message", data: { id: inserted, sessionID, role: "user", time: { created: 1 } } },
      {
        type: "part",
        data: {
          id: `${inserted}p`,
          messageID: inserted,
          sessionID,
          type: "text",
          text: "Inserted above the reader\n\nwith\n\nseveral\n\nparagraphs",
        },
      },
      {
        type: "part",
        data: {
          ...abovePart.data,
          type: "text",
          text: Array.from({ length: 30 }, (_, i) => `Grown line ${i}`).join("\n\n"),
        },
      },
    ]);
    await page.getByTestId("jump-latest").filter({ hasText: "new" }).waitFor();
    const after = await settledTop(page, `[data-message-id="${before.id}"]`);
    console.log(`scroll hold: anchor row moved ${Math.abs(after - before.top).toFixed(1)} px after the live update`);
    expect(Math.abs(after - before.top)).toBeLessThanOrEqual(2);
    // Jump to latest follows to the end, where the appended messages are.
    await page.getByTestId("jump-latest").click();
    await page.locator(`[data-message-id="${appended[4]}"]`).waitFor();
    await expect
      .poll(
        () => page.evaluate(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 100),
        POLL,
      )
      .toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("opens at a deep link, navigates turns by index and keys, and copies a part's link", async () => {
    const share = await recordedShare("ses_deep_link");
    const items = recorded();
    const edit = items.filter((item) => item.type === "part" && item.data.tool === "edit").at(-1)!;
    const { page, errors } = await openPage(browser, `${share.url}#${edit.data.id}`, {
      viewport: { width: 1280, height: 800 },
    });
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    const target = page.locator(`[id="${edit.data.id}"]`);
    await target.waitFor();
    await expect.poll(() => target.evaluate((element) => element.getBoundingClientRect().top), POLL).toBeLessThan(200);
    expect(await target.evaluate((element) => element.classList.contains("is-target"))).toBe(true);
    // The sidebar's turn index marks the turn being read, and takes the reader to another one.
    const turns = page.locator(".turn-sidebar .turn-index a");
    expect(await turns.count()).toBe(2);
    await expect
      .poll(() => page.locator('.turn-sidebar a[aria-current="location"] .turn-number').textContent(), POLL)
      .toBe("2");
    await turns.first().click();
    await expect
      .poll(() => page.locator('.turn-sidebar a[aria-current="location"] .turn-number').textContent(), POLL)
      .toBe("1");
    // Keys: j to the next turn, G to the latest.
    await page.keyboard.press("j");
    await expect
      .poll(() => page.locator('.turn-sidebar a[aria-current="location"] .turn-number').textContent(), POLL)
      .toBe("2");
    await page.keyboard.press("Shift+G");
    await expect
      .poll(
        () => page.evaluate(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 100),
        POLL,
      )
      .toBe(true);
    // Copy link on a tool call.
    await reveal(page, String(edit.data.id));
    await target.hover();
    await target.locator(".permalink").click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${share.url}#${edit.data.id}`);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("copies the share as markdown (as /share/:id.md has it) and downloads its JSON (as /data has it)", async () => {
    const share = await recordedShare("ses_export");
    const { page, errors } = await openPage(browser, share.url);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin });
    await page.locator("[data-message-id]").first().waitFor();
    await page.getByRole("button", { name: "Copy as markdown" }).click();
    await page.locator(".toast", { hasText: "Markdown copied" }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await (await fetch(`${share.url}.md`)).text());
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download JSON" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("fix-csv-parser-for-quoted-fields-with-commas.json");
    const saved = JSON.parse(await (await import("node:fs/promises")).readFile((await download.path())!, "utf8"));
    expect(saved).toEqual(await (await api("GET", `/api/share/${share.id}/data`)).json());
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("fits a 360 px phone: no sideways scrolling, turns in a menu, diffs unified", async () => {
    const share = await recordedShare("ses_phone");
    const { page, errors } = await openPage(browser, share.url, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    await page.locator("[data-message-id]").first().waitFor();
    const overflow = async () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(await page.locator(".turn-sidebar").isVisible()).toBe(false);
    await page.locator(".turns-menu > summary").click();
    expect(await page.locator(".turns-menu .turn-index a").count()).toBe(2);
    await page.locator(".turns-menu > summary").click();
    const edit = recorded().find((item) => item.data.tool === "edit")!;
    await reveal(page, String(edit.data.id));
    await page.locator(`[id="${edit.data.id}"] table.diff-table`).waitFor();
    expect(await page.locator(`[id="${edit.data.id}"] table.split`).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Split" }).count()).toBe(0);
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});

describe("the admin page", () => {
  it("lists shares with size, update time and live viewers; filters; deletes after a confirmation", async () => {
    const keep = await createShare("ses_admin_keep");
    await sync(keep, [{ type: "session", data: { id: "ses_admin_keep", title: "Admin keeps this one" } }]);
    const gone = await createShare("ses_admin_gone");
    const answer = await sync(gone, [
      { type: "session", data: { id: "ses_admin_gone", title: "Admin deletes this one" } },
    ]);
    await waitForSnapshot(gone.id, answer.seq);
    // A viewer of the share to delete, so the listing has a live viewer to show.
    const viewer = await openPage(browser, gone.url);
    await viewer.page.locator('[data-connection="live"]').waitFor();

    const { page, errors } = await openPage(browser, `${origin}/admin`);
    await page.getByLabel("Admin token").fill("wrong-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".admin-error", { hasText: "refused" }).waitFor();
    await page.getByLabel("Admin token").fill(inject("adminToken"));
    await page.getByRole("button", { name: "Sign in" }).click();
    const row = page.locator(`.admin-row[data-share-id="${gone.id}"]`);
    // Shares are listed 50 at a time, in id order; other tests' shares come first now and then.
    await page.locator(".admin-row").first().waitFor();
    while ((await row.count()) === 0) {
      const listed = await page.locator(".admin-row").count();
      await page.getByRole("button", { name: "Load more" }).click();
      await expect.poll(() => page.locator(".admin-row").count()).toBeGreaterThan(listed);
    }
    expect(await row.locator(".admin-title").textContent()).toBe("Admin deletes this one");
    expect(await row.getByTestId("viewers").textContent()).toBe("1");
    expect(await page.evaluate(() => sessionStorage.getItem("shareroom:admin-token"))).toBe(inject("adminToken"));
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await row.getByRole("button", { name: "Details" }).click();
    expect(await row.locator(".admin-details").textContent()).toContain("Syncs1");
    await page.getByLabel("Filter shares by title or id").fill("keeps");
    await page.locator(`.admin-row[data-share-id="${keep.id}"]`).waitFor();
    expect(await row.count()).toBe(0);
    await page.getByLabel("Filter shares by title or id").fill("deletes");
    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Cancel" }).click();
    expect(await row.count()).toBe(1);
    await row.getByRole("button", { name: "Delete" }).click();
    await row.getByRole("button", { name: "Yes, delete" }).click();
    await row.waitFor({ state: "detached" });
    expect((await fetch(gone.url, { headers: { accept: "text/html" } })).status).toBe(404);
    // The viewer of the deleted share is told at once.
    await viewer.page.getByTestId("share-deleted").waitFor();
    expect(errors).toEqual([]);
    expect(viewer.errors).toEqual([]);
    await page.context().close();
    await viewer.page.context().close();
  });
});

// Keep the fixture helpers' synthetic items in use here too: an image attachment renders inline on the real page.
describe("attachments on the real page", () => {
  it("shows an inline image attachment under the strict CSP", async () => {
    const sessionID = "ses_image";
    const share = await createShare(sessionID);
    const message = makeId("msg", 1);
    await sync(share, [
      { type: "message", data: { id: message, sessionID, role: "user" } },
      {
        type: "part",
        data: { ...synthetic.image, id: makeId("prt", 2), messageID: message, sessionID, url: PNG_DATA_URL },
      },
    ]);
    const { page, errors } = await openPage(browser, share.url);
    const image = page.locator("img.file-preview");
    await image.waitFor();
    expect(await image.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
