/**
 * The legacy `/share_poll` replay, paced: it waits for a client that does not read instead of queueing the whole
 * share in the runtime, every change made meanwhile reaches the poller after the rows before it, and a replay goes on
 * through an idle compaction and through the loss of the room instance that sent it.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { nextAlarm } from "../src/room/duties";
import { REPLAY_WATCHDOG_MS } from "../src/room/sockets";
import { shareRow } from "../src/room/store";
import type { ShareRoom } from "../src/share-room";
import { IDLE_COMPACT_MS } from "../src/storage/layout";
import { call, ORIGIN } from "./helpers";
import { roomOf, settle } from "./room-helpers";

const SID = "ses_replay0123456789";
/** Parts of about 200 KB each: 100 of them are about 20 replay steps. */
const PARTS = 100;
const TEXT = "r".repeat(200_000);

interface Frame {
  key: string;
  content: { id?: string; text?: string };
}

async function legacyShare(): Promise<{ id: string; secret: string }> {
  const response = await call("POST", "/share_create", { sessionID: SID });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { url: string; secret: string };
  return { secret: body.secret, id: body.url.split("/s/")[1]! };
}

const partKey = (id: string) => `session/part/${SID}/msg_1/${id}`;

async function put(share: { secret: string }, id: string, text: string): Promise<void> {
  const content = { id, messageID: "msg_1", sessionID: SID, type: "text", text };
  const response = await call("POST", "/share_sync", {
    sessionID: SID,
    secret: share.secret,
    key: partKey(id),
    content,
  });
  expect(response.status).toBe(200);
}

/** A share of {@link PARTS} large parts, `prt_00` … `prt_99`, flushed. */
async function largeShare() {
  const share = await legacyShare();
  for (let i = 0; i < PARTS; i++) await put(share, `prt_${String(i).padStart(2, "0")}`, `${i}:${TEXT}`);
  await settle(share.id);
  return share;
}

/** Opens `/share_poll` without reading: the socket is accepted only when the test says. */
async function poll(id: string): Promise<WebSocket> {
  const response = await exports.default.fetch(
    new Request(`${ORIGIN}/share_poll?id=${id}`, { headers: { upgrade: "websocket" } }),
  );
  expect(response.status).toBe(101);
  return response.webSocket!;
}

/** What the room knows of its one legacy poller: whether its replay runs, how far it got, what is queued. */
function replayState(id: string) {
  return runInDurableObject(roomOf(id), (_room: ShareRoom, state) => {
    const [ws] = state.getWebSockets("legacy");
    const attachment = ws!.deserializeAttachment() as { replayedThrough?: number; driver?: string } | null;
    return { through: attachment?.replayedThrough, driver: attachment?.driver, queued: ws!.bufferedAmount };
  });
}

/**
 * Fails unless the replay is still running: the vitest plugin's runtime has no `bufferedAmount`, so a replay there
 * never waits for the client, only yields after each step; the share is large enough that a test's next requests
 * land in the middle of it, and this checks that they did.
 */
async function stillReplaying(id: string) {
  const state = await replayState(id);
  expect(state.through, "the replay ended before the test's requests: make the share larger").toBeDefined();
  return state;
}

/** Waits until the running replay has sent the rows through seq `seq` at least. */
async function replayed(id: string, seq: number) {
  for (let i = 0; i < 200; i++) {
    const state = await stillReplaying(id);
    if (state.through! >= seq) return state;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`the replay never reached seq ${seq}`);
}

/** Accepts `socket` and collects its frames until one for `lastKey` with `lastText` arrives. */
function read(socket: WebSocket, lastKey: string, lastText: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  const done = Promise.withResolvers<Frame[]>();
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data as string) as Frame;
    frames.push(frame);
    if (frame.key === lastKey && frame.content.text === lastText) done.resolve(frames);
  });
  socket.addEventListener("close", (event) => done.reject(new Error(`closed ${event.code} ${event.reason}`)));
  socket.accept();
  return done.promise;
}

const keys = (frames: Frame[]) => frames.map((frame) => frame.content.id);
const all = Array.from({ length: PARTS }, (_, i) => `prt_${String(i).padStart(2, "0")}`);

describe("legacy /share_poll replay", () => {
  it("answers the upgrade before it sends, and sends changes made meanwhile after the rows before them", async () => {
    const share = await largeShare();
    const socket = await poll(share.id);
    // Unpaced, every row was sent before the upgrade was answered, and no replay was left running.
    expect((await stillReplaying(share.id)).through).toBeLessThan(PARTS);
    await replayed(share.id, 1);

    // prt_00 was replayed already; prt_new is new. Neither may reach the poller ahead of the rows before them, nor
    // twice: a broadcast to a poller still being replayed to would send each once more, in the middle.
    await put(share, "prt_00", "changed");
    await put(share, "prt_new", "new");
    await stillReplaying(share.id);
    const frames = await read(socket, partKey("prt_new"), "new");
    expect(keys(frames)).toEqual([...all, "prt_00", "prt_new"]);
    expect(frames[0]!.content.text).toBe(`0:${TEXT}`);
    expect(frames.at(-2)!.content.text).toBe("changed");
    expect((await replayState(share.id)).through).toBeUndefined();

    // Over: the next change comes by broadcast, once.
    const next: Frame[] = [];
    const arrived = Promise.withResolvers<void>();
    socket.addEventListener("message", (event) => {
      next.push(JSON.parse(event.data as string));
      arrived.resolve();
    });
    await put(share, "prt_after", "after");
    await arrived.promise;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(next.map((frame) => frame.content)).toMatchObject([{ id: "prt_after", text: "after" }]);
    socket.close();
  });

  it("loads the rows back when an idle compaction drops them during the replay", async () => {
    const share = await largeShare();
    const socket = await poll(share.id);
    const shareState = () =>
      runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) =>
        state.storage.sql
          .exec<{ n: number; hydrated: number; horizon: number; seq: number }>(
            "SELECT (SELECT COUNT(*) FROM items) AS n, hydrated, horizon, seq FROM share",
          )
          .one(),
      );
    const before = await shareState();
    expect(before.horizon).toBeLessThan(before.seq);
    await replayed(share.id, 1);
    await runInDurableObject(roomOf(share.id), (room: ShareRoom) => room.tick(Date.now() + IDLE_COMPACT_MS + 1));
    const after = await shareState();
    await stillReplaying(share.id);
    // The compaction ran (it moves the horizon to the seq); the rows are gone, or the replay loaded them back.
    expect(after.horizon).toBe(after.seq);
    expect(after.n === 0 || after.hydrated === 1).toBe(true);
    const frames = await read(socket, partKey(all.at(-1)!), `${PARTS - 1}:${TEXT}`);
    expect(keys(frames)).toEqual(all);
    socket.close();
  });

  it("resumes, from the alarm, a replay whose room instance is gone, without sending a row twice", async () => {
    const share = await largeShare();
    const socket = await poll(share.id);
    // As an eviction leaves it: the socket open, its attachment naming an instance that no longer runs. The loop of
    // the current instance sees the foreign driver at its next step and stops.
    const through = await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      const [ws] = state.getWebSockets("legacy");
      const { replayedThrough } = ws!.deserializeAttachment() as { replayedThrough: number };
      ws!.serializeAttachment({ replayedThrough, driver: "evicted" });
      return replayedThrough;
    });
    const frames = read(socket, partKey(all.at(-1)!), `${PARTS - 1}:${TEXT}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await replayState(share.id)).toMatchObject({ through, driver: "evicted" });

    await runDurableObjectAlarm(roomOf(share.id));
    expect(keys(await frames)).toEqual(all);
    expect((await replayState(share.id)).through).toBeUndefined();
    socket.close();
  });

  it("keeps the alarm at most the watchdog's delay ahead while a replay runs, even with no duty pending", async () => {
    const share = await legacyShare();
    await put(share, "prt_00", "small");
    await settle(share.id);
    await runInDurableObject(roomOf(share.id), (room: ShareRoom) => room.tick(Date.now() + IDLE_COMPACT_MS + 1));
    const [idle, watched, now] = await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      const sql = state.storage.sql;
      const row = shareRow(sql)!;
      const at = Date.now();
      return [
        nextAlarm(sql, row, at),
        nextAlarm(sql, row, at, { replaying: true, watchdogMs: REPLAY_WATCHDOG_MS }),
        at,
      ] as const;
    });
    // Compacted and flushed: nothing is due for a long while (at most the retention expiry).
    expect(idle === null || idle > now + REPLAY_WATCHDOG_MS).toBe(true);
    expect(watched).toBe(now + REPLAY_WATCHDOG_MS);
  });
});
