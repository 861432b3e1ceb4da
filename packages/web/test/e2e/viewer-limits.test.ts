/**
 * Viewer sockets on the real stack (wrangler dev behind the page worker, real network connections): a socket
 * refused for too many viewers is explained on the page, and a deletion ends every socket at once.
 */
import { CLOSE_SHARE_DELETED, CLOSE_TOO_MANY_VIEWERS } from "@shareroom/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, createShare, launch, openPage, origin, PAGE_DEADLINE_MS, sync } from "./helpers";

/** The sessions worker's default `VIEWERS_PER_ADDRESS` (wrangler.jsonc); every local client has one address. */
const VIEWERS_PER_ADDRESS = 32;

/** A socket on `/ws/<id>` from Node, resolved once the server has sent its first message (`ready`). */
async function viewer(id: string) {
  const socket = new WebSocket(`${origin.replace(/^http/, "ws")}/ws/${id}`);
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    socket.addEventListener("close", (event) => resolve({ code: event.code, at: Date.now() })),
  );
  const first = await Promise.race([
    new Promise<string>((resolve) => socket.addEventListener("message", (event) => resolve(String(event.data)))),
    closed.then(({ code }) => `closed ${code}`),
  ]);
  return { socket, first, closed };
}

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe("viewer sockets on the real stack", () => {
  it("tells a visitor refused for too many viewers why, and connects once a place is free", async () => {
    const share = await createShare("ses_crowded");
    await sync(share, [{ type: "session", data: { id: "ses_crowded", title: "Crowded" } }]);
    const crowd = [];
    for (let i = 0; i < VIEWERS_PER_ADDRESS; i++) crowd.push(await viewer(share.id));
    expect(crowd.map((socket) => socket.first).filter((first) => first.startsWith("closed"))).toEqual([]);
    const refused = await viewer(share.id);
    expect(refused.first).toBe(`closed ${CLOSE_TOO_MANY_VIEWERS}`);

    const { page, errors } = await openPage(browser, share.url);
    await page.locator('[data-connection="full"]').waitFor();
    expect(await page.getByTestId("run-state").textContent()).toContain("Too many viewers");
    expect(await page.locator('[data-connection="full"]').getAttribute("title")).toContain("as many live viewers");
    for (const socket of crowd) socket.socket.close(1000, "leaving");
    await page.locator('[data-connection="live"]').waitFor({ timeout: PAGE_DEADLINE_MS });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("ends every socket of a deleted share at once, not after the runtime's idle timeout", async () => {
    const share = await createShare("ses_deleted_sockets");
    const watching = await viewer(share.id);
    expect(watching.first).toContain('"ready"');
    const started = Date.now();
    const deleted = await api("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    expect(deleted.status).toBe(200);
    const { code, at } = await watching.closed;
    expect(code).toBe(CLOSE_SHARE_DELETED);
    // Before the room reset itself, the connection stayed open about 10 s after the close frame.
    expect(at - started).toBeLessThan(5_000);
  });
});
