/** The legacy protocol (CLI ≤ 1.0.143) on the same storage and ShareRoom as the current one. */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, ORIGIN, storedItems } from "./helpers";

const SID = "ses_legacy0123456789";

async function legacyShare() {
  // Old CLIs send the body without a JSON content type.
  const response = await call("POST", "/share_create", JSON.stringify({ sessionID: SID }), {
    "content-type": "text/plain",
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { url: string; secret: string };
  const id = body.url.split("/s/")[1]!;
  return { ...body, id };
}

const put = (secret: string, key: string, content: unknown) =>
  call("POST", "/share_sync", { sessionID: SID, secret, key, content });

describe("legacy protocol", () => {
  it("creates, syncs key by key, and serves the same share to the current API and the legacy reads", async () => {
    const share = await legacyShare();
    expect(share.url).toBe(`https://share.example.test/s/${share.id}`);
    expect(
      (await put(share.secret, `session/info/${SID}`, { id: SID, title: "Legacy", time: { updated: 1 } })).status,
    ).toBe(200);
    expect((await put(share.secret, `session/message/${SID}/msg_1`, { id: "msg_1", role: "user" })).status).toBe(200);
    expect(
      (
        await put(share.secret, `session/part/${SID}/msg_1/prt_2`, {
          id: "prt_2",
          messageID: "msg_1",
          type: "text",
          text: "b",
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await put(share.secret, `session/part/${SID}/msg_1/prt_1`, {
          id: "prt_1",
          messageID: "msg_1",
          type: "text",
          text: "a",
        })
      ).status,
    ).toBe(200);

    const items = await storedItems(share.id);
    expect([...items.keys()].sort()).toEqual(["message/msg_1", "part/msg_1/prt_1", "part/msg_1/prt_2", "session"]);

    const data = (await (await call("GET", `/share_data?id=${share.id}`)).json()) as {
      info: { title: string };
      messages: Record<string, { role: string; parts: { id: string }[] }>;
    };
    expect(data.info.title).toBe("Legacy");
    expect(data.messages.msg_1!.role).toBe("user");
    expect(data.messages.msg_1!.parts.map((part) => part.id)).toEqual(["prt_1", "prt_2"]);
  });

  it("replays every stored key on a /share_poll connect, then sends each new one", async () => {
    const share = await legacyShare();
    await put(share.secret, `session/info/${SID}`, { id: SID, title: "Polled" });
    const response = await exports.default.fetch(
      new Request(`${ORIGIN}/share_poll?id=${share.id}`, { headers: { upgrade: "websocket" } }),
    );
    expect(response.status).toBe(101);
    const socket = response.webSocket!;
    const received: { key: string; content: unknown }[] = [];
    const two = Promise.withResolvers<void>();
    socket.addEventListener("message", (event) => {
      received.push(JSON.parse(event.data as string));
      if (received.length === 2) two.resolve();
    });
    socket.accept();
    await put(share.secret, `session/message/${SID}/msg_1`, { id: "msg_1", role: "user" });
    await two.promise;
    expect(received).toEqual([
      { key: `session/info/${SID}`, content: { id: SID, title: "Polled" } },
      { key: `session/message/${SID}/msg_1`, content: { id: "msg_1", role: "user" } },
    ]);
  });

  it("refuses a wrong secret, an unknown key and a secret that names no share", async () => {
    const share = await legacyShare();
    expect((await put(`${share.id}.wrong`, `session/info/${SID}`, { id: SID })).status).toBe(403);
    expect((await put("garbage", `session/info/${SID}`, { id: SID })).status).toBe(403);
    expect((await put(share.secret, "session/other/x", {})).status).toBe(400);
  });

  it("deletes with /share_delete; reads then answer 404", async () => {
    const share = await legacyShare();
    await put(share.secret, `session/info/${SID}`, { id: SID });
    expect((await call("POST", "/share_delete", { sessionID: SID, secret: share.secret })).status).toBe(200);
    expect((await call("GET", `/share_data?id=${share.id}`)).status).toBe(404);
    expect((await call("GET", `/api/share/${share.id}/data`)).status).toBe(404);
  });
});
