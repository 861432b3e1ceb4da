import { env } from "cloudflare:test";
import { type ErrorBody, MAX_SYNC_BODY_BYTES, SHARE_ID_PATTERN, type SyncResponse } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { call, createShare, storedItems, sync } from "./helpers";

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/json");
  const body = (await response.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

const session = (id: string, updated = 1, extra: Record<string, unknown> = {}) => ({
  type: "session",
  data: { id, title: "A session", time: { created: 1, updated }, ...extra },
});

describe("POST /api/share", () => {
  it("creates a share with a random 128-bit id, a secret, and a page URL on the public origin", async () => {
    const a = await createShare("ses_same");
    const b = await createShare("ses_same");
    expect(a.id).toMatch(SHARE_ID_PATTERN);
    expect(a.id).toHaveLength(22);
    expect(a.id).not.toBe(b.id);
    expect(a.secret).not.toBe(b.secret);
    expect(a.secret.length).toBeGreaterThanOrEqual(43);
    expect(a.url).toBe(`https://share.example.test/share/${a.id}`);
  });

  it("answers a fresh share's data with [] at once, before any sync", async () => {
    const share = await createShare();
    const response = await call("GET", `/api/share/${share.id}/data`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it("accepts a body sent without a JSON content type (legacy clients)", async () => {
    const response = await call("POST", "/api/share", JSON.stringify({ sessionID: "ses_x" }), {
      "content-type": "text/plain",
    });
    expect(response.status).toBe(200);
  });

  it("refuses malformed bodies with 400 and a code", async () => {
    await expectError(await call("POST", "/api/share", "{not json"), 400, "invalid_json");
    await expectError(await call("POST", "/api/share", { session: "x" }), 400, "invalid_body");
    await expectError(await call("POST", "/api/share", { sessionID: "../etc" }), 400, "invalid_body");
    await expectError(await call("POST", "/api/share", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, "invalid_json");
  });

  it("keeps the secret out of storage: only its hash is held", async () => {
    const share = await createShare();
    const listing = await env.SHARES.list({ prefix: `shares/${share.id}/` });
    for (const object of listing.objects) {
      const text = await (await env.SHARES.get(object.key))!.text();
      expect(text).not.toContain(share.secret);
    }
  });
});

describe("POST /api/share/:id/sync", () => {
  it("stores items by merge key, the last one of a batch winning", async () => {
    const share = await createShare();
    const response = await sync(share, [
      session("ses_1", 1),
      { type: "message", data: { id: "msg_1", sessionID: "ses_1", role: "user", time: { created: 1 } } },
      { type: "part", data: { id: "prt_1", messageID: "msg_1", sessionID: "ses_1", type: "text", text: "first" } },
      { type: "part", data: { id: "prt_1", messageID: "msg_1", sessionID: "ses_1", type: "text", text: "second" } },
      { type: "session_diff", data: [] },
      { type: "model", data: [{ id: "m", providerID: "p" }] },
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as SyncResponse;
    expect(body).toMatchObject({ ok: true, accepted: 5, unchanged: 0, refused: [] });
    const items = await storedItems(share.id);
    expect([...items.keys()].sort()).toEqual(["message/msg_1", "model", "part/msg_1/prt_1", "session", "session_diff"]);
    expect((items.get("part/msg_1/prt_1")!.data as { text: string }).text).toBe("second");
  });

  it("counts an identical re-sent item as unchanged and gives it no new seq", async () => {
    const share = await createShare();
    const first = (await (await sync(share, [session("ses_1", 5)])).json()) as SyncResponse;
    const again = (await (await sync(share, [session("ses_1", 5)])).json()) as SyncResponse;
    expect(again).toMatchObject({ accepted: 0, unchanged: 1, seq: first.seq });
  });

  it("stores unknown item types and both FileDiff shapes instead of rejecting them", async () => {
    const share = await createShare();
    const messages = {
      type: "messages",
      data: { sessionID: "ses_1", messages: [{ info: { id: "msg_1" }, parts: [] }] },
    };
    const diffs = {
      type: "session_diff",
      data: [
        { file: "a.txt", before: "x", after: "y", additions: 1, deletions: 1 },
        { file: "b.txt", patch: "@@ -1 +1 @@\n-x\n+y\n", additions: 1, deletions: 1, status: "modified" },
      ],
    };
    const body = (await (await sync(share, [messages, diffs])).json()) as SyncResponse;
    expect(body.refused).toEqual([]);
    const items = await storedItems(share.id);
    expect(items.get("messages")).toEqual(messages);
    expect(items.get("session_diff")).toEqual(diffs);
  });

  it("strips the share secret from the session and credentials from models", async () => {
    const share = await createShare();
    await sync(share, [
      session("ses_1", 1, { share: { url: "https://x/share/abc", secret: "hunter2" } }),
      {
        type: "model",
        data: [{ id: "m", providerID: "p", headers: { authorization: "Bearer sk-1" }, options: { apiKey: "sk-2" } }],
      },
    ]);
    const items = await storedItems(share.id);
    expect(items.get("session")!.data).toMatchObject({ share: { url: "https://x/share/abc" } });
    expect(JSON.stringify([...items.values()])).not.toMatch(/hunter2|sk-1|sk-2/);
  });

  it("keeps control characters, bidi marks, emoji and CJK byte-exact", async () => {
    const share = await createShare();
    const text = "nul\u0000 esc\u001b[31m bidi\u202e\u2066 emoji 🧪👩‍💻 cjk 漢字かな 한국어 lone\ud800";
    const part = { type: "part", data: { id: "prt_1", messageID: "msg_1", type: "text", text } };
    await sync(share, [part]);
    const items = await storedItems(share.id);
    expect((items.get("part/msg_1/prt_1")!.data as { text: string }).text).toBe(text);
  });

  it("stores the good items of a mixed batch and lists the refused ones", async () => {
    const share = await createShare();
    const response = await sync(share, [
      { type: "part", data: { id: "../x", messageID: "msg_1", type: "text", text: "bad id" } },
      { type: "part", data: { id: "prt_ok", messageID: "msg_1", type: "text", text: "good" } },
      "not an item",
      { type: "message", data: { role: "user" } },
      { type: "Bad Type!", data: 1 },
      { type: "part", data: { id: "prt_2", messageID: "msg/1", type: "text" } },
    ]);
    expect(response.status).toBe(200);
    const body = (await response.json()) as SyncResponse;
    expect(body.accepted).toBe(1);
    expect(body.refused.map((refusal) => [refusal.index, refusal.code])).toEqual([
      [0, "invalid_id"],
      [2, "invalid_item"],
      [3, "invalid_item"],
      [4, "invalid_item"],
      [5, "invalid_id"],
    ]);
    expect([...(await storedItems(share.id)).keys()]).toEqual(["part/msg_1/prt_ok"]);
  });

  it("refuses a wrong secret with 403 and stores nothing", async () => {
    const share = await createShare();
    await sync(share, [session("ses_1", 1)]);
    await expectError(
      await sync({ id: share.id, secret: "wrong" }, [session("ses_1", 2, { title: "taken over" })]),
      403,
      "invalid_secret",
    );
    expect((await storedItems(share.id)).get("session")!.data).toMatchObject({ title: "A session" });
  });

  it("answers an unknown share with 404 and a malformed id with 400", async () => {
    await expectError(await sync({ id: "AAAAAAAAAAAAAAAAAAAAAA", secret: "s" }, []), 404, "share_not_found");
    await expectError(await sync({ id: "bad.id", secret: "s" }, []), 400, "invalid_share_id");
  });

  it("refuses malformed sync bodies with 400 and keeps what is stored", async () => {
    const share = await createShare();
    await sync(share, [session("ses_1", 1)]);
    const before = await (await call("GET", `/api/share/${share.id}/data`)).text();
    await expectError(await call("POST", `/api/share/${share.id}/sync`, "[1,2"), 400, "invalid_json");
    await expectError(await call("POST", `/api/share/${share.id}/sync`, { secret: share.secret }), 400, "invalid_body");
    await expectError(
      await call("POST", `/api/share/${share.id}/sync`, { secret: share.secret, data: {} }),
      400,
      "invalid_body",
    );
    await expectError(await call("POST", `/api/share/${share.id}/sync`, { data: [] }), 400, "invalid_body");
    expect(await (await call("GET", `/api/share/${share.id}/data`)).text()).toBe(before);
  });

  it("answers a body over the limit with 413", async () => {
    const share = await createShare();
    const declared = await call("POST", `/api/share/${share.id}/sync`, "{}", {
      "content-length": String(MAX_SYNC_BODY_BYTES + 1),
    });
    await expectError(declared, 413, "payload_too_large");
  });
});

describe("DELETE /api/share/:id", () => {
  it("deletes every stored byte; data then answers 404 and a second delete 404", async () => {
    const share = await createShare();
    await sync(share, [session("ses_1", 1)]);
    await expectError(await call("DELETE", `/api/share/${share.id}`, { secret: "wrong" }), 403, "invalid_secret");
    const deleted = await call("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    expect(deleted.status).toBe(200);
    await expectError(await call("GET", `/api/share/${share.id}/data`), 404, "share_not_found");
    await expectError(await call("GET", `/api/share/${share.id}/snapshot`), 404, "share_not_found");
    await expectError(await call("DELETE", `/api/share/${share.id}`, { secret: share.secret }), 404, "share_not_found");
    await expectError(await sync(share, [session("ses_1", 2)]), 404, "share_not_found");
    expect((await env.SHARES.list({ prefix: `shares/${share.id}/` })).objects).toEqual([]);
  });
});

describe("reads and routing", () => {
  it("answers GET /api/share/:id with the share's summary, and 404 once it is gone", async () => {
    const share = await createShare();
    await sync(share, [session("ses_1", 7)]);
    await call("GET", `/api/share/${share.id}/data`); // makes the room flush
    const response = await call("GET", `/api/share/${share.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: share.id, title: "A session", seq: 1 });
    await call("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    await expectError(await call("GET", `/api/share/${share.id}`), 404, "share_not_found");
  });

  it("answers unknown shares with 404, never 200 with []", async () => {
    await expectError(await call("GET", "/api/share/AAAAAAAAAAAAAAAAAAAAAA/data"), 404, "share_not_found");
    await expectError(await call("GET", "/api/share/AAAAAAAAAAAAAAAAAAAAAA/snapshot"), 404, "share_not_found");
    await expectError(await call("GET", "/api/share/a%2F..%2Fb/data"), 400, "invalid_share_id");
  });

  it("answers unknown routes with 404 not_found", async () => {
    await expectError(await call("GET", "/nope"), 404, "not_found");
  });

  it("answers a WebSocket route without an upgrade with 426", async () => {
    const share = await createShare();
    await expectError(await call("GET", `/ws/${share.id}`), 426, "upgrade_required");
  });
});
