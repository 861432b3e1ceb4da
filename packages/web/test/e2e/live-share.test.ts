/**
 * The share page end to end: real Chromium against both dev servers (see global-setup.ts), driven by the opencode
 * CLI's recorded sync bodies.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  api,
  collectMessageIds,
  createShare,
  launch,
  openPage,
  origin,
  PAGE_DEADLINE_MS,
  reveal,
  sync,
} from "./helpers";

const captureDir = join(inject("fixturesDir"), "opencode-1.18.33-A");

/** Pause between replayed syncs (ms): the CLI's own rhythm is ~1 s; faster keeps the test short. */
const REPLAY_GAP_MS = 150;

interface RecordedRequest {
  method: string;
  path: string;
  body: { sessionID?: string; data?: unknown[] } | null;
}

interface FixtureItem {
  type: string;
  data: { id?: string; type?: string; tool?: string; state?: { output?: string; metadata?: { exit?: number } } };
}

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

async function readJsonLines<T>(path: string): Promise<T[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

describe("the page worker", () => {
  it("redirects the legacy /s/:id path and answers its other paths with a JSON 404", async () => {
    const legacy = await fetch(`${origin}/s/AbCdEfGh?debug=true`, { redirect: "manual" });
    expect(legacy.status).toBe(301);
    expect(legacy.headers.get("location")).toBe(`${origin}/share/AbCdEfGh?debug=true`);
    const stray = await fetch(`${origin}/s/a/b`);
    expect(stray.status).toBe(404);
    expect(await stray.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("forwards /api, /ws and the legacy API to the sessions worker, errors included", async () => {
    expect((await fetch(`${origin}/api/health`)).status).toBe(200);
    const missing = await fetch(`${origin}/api/share/nO5uchShareExists00000/snapshot`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "share_not_found" } });
    const notUpgraded = await fetch(`${origin}/ws/nO5uchShareExists00000`);
    expect(notUpgraded.status).toBe(426);
    // A CLI ≤ 1.0.143 pointed at this origin gets a link to the legacy page path, which redirects to the share.
    const legacy = await api("POST", "/share_create", { sessionID: "ses_legacy_client" });
    expect(legacy.status).toBe(200);
    const { url } = (await legacy.json()) as { url: string };
    expect(url).toMatch(new RegExp(`^${origin}/s/[A-Za-z0-9_-]+$`));
    const page = await fetch(url, { redirect: "manual" });
    expect(page.headers.get("location")).toBe(url.replace("/s/", "/share/"));
  });
});

describe("the share page", () => {
  it("follows a share live while the CLI's syncs arrive, and ends on the final state without a reload", async () => {
    const requests = await readJsonLines<RecordedRequest>(join(captureDir, "requests.jsonl"));
    const finalItems = JSON.parse(await readFile(join(captureDir, "final-data.json"), "utf8")) as FixtureItem[];
    const created = requests.find((request) => request.method === "POST" && request.path === "/api/share");
    const syncs = requests.filter((request) => request.method === "POST" && request.path.endsWith("/sync"));
    expect(syncs.length).toBeGreaterThan(0);

    const share = await createShare(created!.body!.sessionID!);
    expect(share.url).toBe(`${origin}/share/${share.id}`);
    const { page, errors } = await openPage(browser, share.url);
    await page.locator('[data-connection="live"]').waitFor();
    await page.getByTestId("share-empty").waitFor();
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    for (const request of syncs) {
      await sync(share, request.body!.data!);
      await new Promise((resolve) => setTimeout(resolve, REPLAY_GAP_MS));
    }

    await page.getByRole("heading", { name: "Fix CSV parser for quoted fields with commas" }).waitFor();
    const messageIds = finalItems
      .filter((item) => item.type === "message")
      .map((item) => item.data.id!)
      .sort();
    // The list is virtualized: walk it top to bottom to see every message.
    await expect.poll(() => collectMessageIds(page), { timeout: PAGE_DEADLINE_MS }).toEqual(messageIds);

    const grep = finalItems.find((item) => item.type === "part" && item.data.tool === "grep")!;
    expect(grep.data.state?.output).toContain("Found 2 matches");
    await reveal(page, grep.data.id!);
    await page.locator(`[data-part-id="${grep.data.id}"] .output`).filter({ hasText: "Found 2 matches" }).waitFor();
    const failing = finalItems.find((item) => item.data.tool === "bash" && item.data.state?.metadata?.exit === 1)!;
    await reveal(page, failing.data.id!);
    await page.locator(`[data-part-id="${failing.data.id}"] .exit-code`, { hasText: "exit code 1" }).waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows 'share not found' for an id no share has, answered with HTTP 404", async () => {
    const response = await fetch(`${origin}/share/nO5uchShareExists00000`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('data-status="404"');
    const { page, errors } = await openPage(browser, `${origin}/share/nO5uchShareExists00000`);
    await page.getByTestId("share-not-found").waitFor();
    expect(await page.getByRole("heading").first().textContent()).toBe("Share not found");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("tells the viewer when the share is deleted, and drops its content", async () => {
    const share = await createShare("ses_deleted_while_watched");
    await sync(share, [{ type: "session", data: { id: "ses_deleted_while_watched", title: "Soon gone" } }]);
    const { page, errors } = await openPage(browser, share.url);
    await page.getByRole("heading", { name: "Soon gone" }).waitFor();
    await page.locator('[data-connection="live"]').waitFor();

    const response = await api("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    expect(response.status).toBe(200);

    await page.getByTestId("share-deleted").waitFor();
    await page.locator('[data-connection="deleted"]').waitFor();
    expect(await page.getByText("Soon gone").count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("reloads the snapshot after a `reset` and reconnects from its seq", async () => {
    const share = await createShare("ses_reset");
    await sync(share, [
      { type: "session", data: { id: "ses_reset", title: "Before the reset", time: { created: 1, updated: 1 } } },
    ]);
    const page = await browser.newPage();
    page.setDefaultTimeout(PAGE_DEADLINE_MS);
    const socketUrls: string[] = [];
    const sockets: WebSocketRoute[] = [];
    let holdFirstSocket = false;
    // A proxy between page and server that can stop delivering the first socket's messages, so that a change can
    // only reach the page through the snapshot reload and the new connection's catch-up.
    await page.routeWebSocket(/\/ws\//, (socket) => {
      const index = socketUrls.push(socket.url()) - 1;
      sockets.push(socket);
      const server = socket.connectToServer();
      server.onMessage((message) => {
        if (!(holdFirstSocket && index === 0)) socket.send(message);
      });
    });
    // The first load reads the share's head (the page's first paint), the reload after `reset` its snapshot.
    const snapshotSeqs: number[] = [];
    page.on("response", async (response) => {
      const path = new URL(response.url()).pathname;
      if (response.status() === 200 && (path.endsWith("/snapshot") || path.endsWith("/head"))) {
        snapshotSeqs.push(((await response.json()) as { seq: number }).seq);
      }
    });
    await page.goto(share.url);
    await page.getByRole("heading", { name: "Before the reset" }).waitFor();
    await page.locator('[data-connection="live"]').waitFor();

    holdFirstSocket = true;
    await sync(share, [
      { type: "session", data: { id: "ses_reset", title: "After the reset", time: { created: 1, updated: 2 } } },
    ]);
    sockets[0]!.send(JSON.stringify({ type: "reset", seq: 2, reason: "too_far_behind" }));

    await page.getByRole("heading", { name: "After the reset" }).waitFor();
    await page.locator('[data-connection="live"]').waitFor();
    expect(snapshotSeqs).toHaveLength(2);
    expect(socketUrls.length).toBeGreaterThanOrEqual(2);
    expect(new URL(socketUrls[1]!).searchParams.get("since")).toBe(String(snapshotSeqs[1]));
    await page.close();
  });

  it("treats close code 4404 as deleted even without a `deleted` message", async () => {
    const share = await createShare("ses_close_code");
    await sync(share, [{ type: "session", data: { id: "ses_close_code", title: "Closed by code" } }]);
    const page = await browser.newPage();
    page.setDefaultTimeout(PAGE_DEADLINE_MS);
    const sockets: WebSocketRoute[] = [];
    await page.routeWebSocket(/\/ws\//, (socket) => {
      sockets.push(socket);
      socket.connectToServer();
    });
    await page.goto(share.url);
    await page.locator('[data-connection="live"]').waitFor();
    await sockets[0]!.close({ code: 4404, reason: "share deleted" });
    await page.getByTestId("share-deleted").waitFor();
    await page.locator('[data-connection="deleted"]').waitFor();
    expect(sockets).toHaveLength(1);
    await page.close();
  });

  /** Waits for part `id`'s output cut to its start (without `end`), then shows it whole and waits for `end`. */
  async function showWhole(page: import("playwright-core").Page, id: string, end: string) {
    const output = page.locator(`[data-part-id="${id}"] .output`);
    await output.filter({ hasText: "0123456789abcdef" }).waitFor();
    expect(await output.textContent()).not.toContain(end);
    await page.locator(`[data-part-id="${id}"] [data-cut] > .clamp-toggle`).click();
    await output.filter({ hasText: end }).waitFor();
  }

  it("renders odd, large and hostile items without crashing, and sanitizes markdown", async () => {
    const share = await createShare("ses_odd");
    const part = (messageID: string, id: string, fields: Record<string, unknown>) => ({
      type: "part",
      data: { id, messageID, sessionID: "ses_odd", ...fields },
    });
    // Over INLINE_ITEM_MAX_BYTES, so the page receives a reference and loads the item from its blob.
    const bigOutput = `${"0123456789abcdef\n".repeat(70_000)}END-OF-BIG-OUTPUT`;
    const tool = (id: string, name: string, output: string, input: Record<string, unknown> = {}) =>
      part("msg_b", id, {
        type: "tool",
        tool: name,
        callID: id,
        state: { status: "completed", input, output, title: name, time: { start: 1, end: 2 } },
      });

    // Before the page opens: no session item and no user message; a part whose message never arrives.
    await sync(share, [
      part("msg_orphan", "prt_orphan", { type: "text", text: "A part whose message has not arrived" }),
      { type: "message", data: { id: "msg_b" } },
      tool("prt_big_a", "bash", bigOutput, { command: "yes" }),
    ]);
    const { page, errors } = await openPage(browser, share.url);
    await page.locator('[data-connection="live"]').waitFor();
    await page.locator('[data-part-id="prt_orphan"]').waitFor();
    // Too large to lay out at once: shown cut to its first lines, and whole on "Show all".
    await showWhole(page, "prt_big_a", "END-OF-BIG-OUTPUT");

    // While it is open: hostile markdown, unknown types and tools, another item stored by reference.
    await sync(share, [
      { type: "messages", data: { sessionID: "ses_odd", messages: [] } },
      part("msg_b", "prt_md", {
        type: "text",
        text: [
          "[script link](javascript:window.pwned=1) [data link](data:text/html,<script>window.pwned=1</script>)",
          '<img src="x" onerror="window.pwned=1"> <a href="jav&#x09;ascript:window.pwned=1">tab</a>',
          "[fine link](https://example.com/docs)",
        ].join("\n\n"),
      }),
      part("msg_b", "prt_future", { type: "hologram", depth: 3 }),
      tool("prt_mcp", "weather_lookup", "<script>window.pwned=1</script><b>not bold</b>", { city: "Oslo" }),
      part("msg_b", "prt_file", { type: "file", mime: "image/png", filename: "x.png", url: "javascript:alert(1)" }),
      tool("prt_big_b", "read", `<content>\n${bigOutput.replace("END", "FINAL")}\n</content>`, { filePath: "/big" }),
      part("msg_b", "prt_half", { type: "tool" }),
      // Names that are also properties of every JavaScript object.
      { type: "constructor", data: { anything: true } },
      part("msg_b", "prt_proto", { type: "constructor" }),
      tool("prt_proto_tool", "__proto__", "prototype output", { toString: "x" }),
      part("msg_b", "prt_todos", {
        type: "tool",
        tool: "todowrite",
        state: { status: "completed", input: { todos: [{ content: "odd status", status: "constructor" }, 7, null] } },
      }),
    ]);

    await showWhole(page, "prt_big_b", "FINAL-OF-BIG-OUTPUT");
    await page.locator('[data-part-id="prt_md"] a', { hasText: "fine link" }).waitFor();
    expect(await page.locator('[data-part-id="prt_md"] a', { hasText: "fine link" }).getAttribute("rel")).toContain(
      "noreferrer",
    );
    expect(await page.locator('a[href^="javascript:" i], a[href^="data:" i], a[href*="script:" i]').count()).toBe(0);
    expect(await page.locator("[onerror], img[src^='javascript:' i], script:not([src])").count()).toBe(0);
    const mcp = page.locator('[data-part-id="prt_mcp"]');
    expect(await mcp.locator(".output").textContent()).toBe("<script>window.pwned=1</script><b>not bold</b>");
    expect(await mcp.locator(".tool-input").textContent()).toContain("Oslo");
    await page.locator('[data-part-id="prt_future"]', { hasText: "hologram part" }).waitFor();
    await page.locator('[data-part-id="prt_proto"]', { hasText: "constructor part" }).waitFor();
    await page.locator('[data-part-id="prt_proto_tool"] .output', { hasText: "prototype output" }).waitFor();
    await page.locator('[data-part-id="prt_todos"]', { hasText: "odd status" }).waitFor();
    await page.locator('[data-part-id="prt_file"]', { hasText: "x.png" }).waitFor();
    expect(await page.locator('[data-part-id="prt_file"] img').count()).toBe(0);
    await page.locator('[data-part-id="prt_proto_tool"]').waitFor();
    await page.getByRole("heading", { name: "Untitled session" }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });
});
