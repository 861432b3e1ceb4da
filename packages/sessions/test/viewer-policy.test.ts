/**
 * Viewer socket policy: caps per share and per address (VIEWERS_PER_SHARE is 40 in vitest.config.ts, the per-address
 * cap its default of 32), junk-sending viewers closed, and a deleted share closing its sockets at once.
 */
import { exports } from "cloudflare:workers";
import {
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_POLICY_VIOLATION,
  CLOSE_SHARE_DELETED,
  CLOSE_TOO_MANY_VIEWERS,
  PING,
  PONG,
} from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { call, createShare, ORIGIN } from "./helpers";
import { connect } from "./viewer";

/** A raw socket on `path` from `address`: every text frame it receives, and its close code. */
async function rawSocket(path: string, address = "192.0.2.50") {
  const response = await exports.default.fetch(
    new Request(`${ORIGIN}${path}`, { headers: { upgrade: "websocket", "cf-connecting-ip": address } }),
  );
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  const frames: string[] = [];
  const closed = Promise.withResolvers<number>();
  const framed: ((frame: string) => void)[] = [];
  socket.addEventListener("message", (event) => {
    frames.push(event.data as string);
    for (const resolve of framed.splice(0)) resolve(event.data as string);
  });
  socket.addEventListener("close", (event) => closed.resolve(event.code));
  socket.accept();
  return {
    socket,
    frames,
    closed: closed.promise,
    nextFrame: () => new Promise<string>((resolve) => framed.push(resolve)),
  };
}

describe("viewer socket policy", () => {
  it("refuses sockets past the per-address cap, then past the per-share cap, with the too-many-viewers code", async () => {
    const share = await createShare();
    const open = [];
    for (let i = 0; i < 32; i++) {
      const viewer = await connect(share.id, undefined, "192.0.2.10");
      await viewer.next();
      open.push(viewer);
    }
    const refused = await connect(share.id, undefined, "192.0.2.10");
    expect(await refused.closed).toBe(CLOSE_TOO_MANY_VIEWERS);
    // Other addresses still get in, up to the share's cap of 40.
    for (let i = 0; i < 8; i++) {
      const viewer = await connect(share.id, undefined, `192.0.2.${20 + i}`);
      expect((await viewer.next()).type).toBe("ready");
      open.push(viewer);
    }
    const full = await connect(share.id, undefined, "192.0.2.99");
    expect(await full.closed).toBe(CLOSE_TOO_MANY_VIEWERS);
    // A socket that leaves frees its place.
    open[0]!.socket.close(1000, "bye");
    await open[0]!.closed;
    let admitted: Awaited<ReturnType<typeof connect>> | undefined;
    for (let attempt = 0; attempt < 50 && !admitted; attempt++) {
      const viewer = await connect(share.id, undefined, "192.0.2.99");
      const first = await Promise.race([viewer.next().then(() => "message"), viewer.closed.then(() => "closed")]);
      if (first === "message") admitted = viewer;
    }
    expect(admitted).toBeDefined();
    for (const viewer of open) viewer.socket.close(1000, "done");
  });

  it("answers the heartbeat and closes a viewer that sends anything else", async () => {
    const share = await createShare();
    const viewer = await rawSocket(`/ws/${share.id}`);
    await viewer.nextFrame();
    const pong = viewer.nextFrame();
    viewer.socket.send(PING);
    expect(await pong).toBe(PONG);
    viewer.socket.send("x".repeat(10 * 1024));
    expect(await viewer.closed).toBe(CLOSE_MESSAGE_TOO_BIG);
    const junk = await rawSocket(`/ws/${share.id}`);
    await junk.nextFrame();
    junk.socket.send('{"type":"hello"}');
    expect(await junk.closed).toBe(CLOSE_POLICY_VIOLATION);
  });

  it("closes viewers at once when the share is deleted, and sends legacy pollers no foreign frame", async () => {
    const share = await createShare();
    const viewer = await connect(share.id);
    expect((await viewer.next()).type).toBe("ready");
    const poller = await rawSocket(`/share_poll?id=${share.id}`);
    const started = Date.now();
    const deleted = await call("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    expect(deleted.status).toBe(200);
    expect((await viewer.next()).type).toBe("deleted");
    expect(await viewer.closed).toBe(CLOSE_SHARE_DELETED);
    expect(await poller.closed).toBe(CLOSE_SHARE_DELETED);
    const elapsed = Date.now() - started;
    console.log(`delete → both sockets closed in ${elapsed} ms; legacy frames: ${JSON.stringify(poller.frames)}`);
    expect(elapsed).toBeLessThan(5000);
    expect(poller.frames).toEqual([]);
  });
});
