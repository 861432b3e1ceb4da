/** Operator endpoints behind the admin token. */
import type { AdminShareList, ErrorBody } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { call, createShare, sync } from "./helpers";
import { connect } from "./viewer";

const ADMIN = { authorization: "Bearer test-admin-token" };

describe("/api/sessions", () => {
  it("refuses requests without the right admin token with 401", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong" },
      { authorization: "test-admin-token" },
    ];
    for (const headers of attempts) {
      const response = await call("GET", "/api/sessions", undefined, headers);
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorBody).error.code).toBe("unauthorized");
    }
  });

  it("lists shares with title, times, size and live viewers, page by page", async () => {
    const shares = [await createShare(), await createShare(), await createShare()];
    await sync(shares[0]!, [{ type: "session", data: { id: "ses_1", title: "Fix the parser", time: { updated: 5 } } }]);
    await call("GET", `/api/share/${shares[0]!.id}/data`); // flushes the title to R2
    const viewer = await connect(shares[0]!.id);
    await viewer.until("ready");
    const seen = new Map<string, AdminShareList["sessions"][number]>();
    let cursor: string | null = null;
    do {
      const response = await call("GET", `/api/sessions?limit=2${cursor ? `&cursor=${cursor}` : ""}`, undefined, ADMIN);
      expect(response.status).toBe(200);
      const page = (await response.json()) as AdminShareList;
      expect(page.sessions.length).toBeLessThanOrEqual(2);
      for (const session of page.sessions) seen.set(session.id, session);
      cursor = page.cursor;
    } while (cursor);
    for (const share of shares) expect(seen.has(share.id)).toBe(true);
    expect(seen.get(shares[0]!.id)).toMatchObject({ title: "Fix the parser", viewers: 1 });
    expect(seen.get(shares[0]!.id)!.bytes).toBeGreaterThan(0);
    expect(seen.get(shares[1]!.id)).toMatchObject({ title: "", viewers: 0, bytes: 0 });
  });

  it("takes a share down without its secret, closing its viewers", async () => {
    const share = await createShare();
    const viewer = await connect(share.id);
    await viewer.until("ready");
    const response = await call("DELETE", `/api/sessions/${share.id}`, undefined, ADMIN);
    expect(response.status).toBe(200);
    expect(await viewer.closed).toBe(4404);
    expect((await call("GET", `/api/share/${share.id}/data`)).status).toBe(404);
    expect((await call("DELETE", `/api/sessions/${share.id}`, undefined, ADMIN)).status).toBe(404);
  });
});
