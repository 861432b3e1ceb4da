/**
 * The room's WebSockets (hibernation API): viewers of `/ws/:id` and legacy `/share_poll` pollers — who may open one
 * (caps per share and per client address), accepting them, catching a viewer up from `since`, broadcasting accepted
 * rows, what a viewer may send (only the heartbeat), and how sockets end when the share is deleted or was never there.
 *
 * Sockets carry tags: {@link VIEWER_TAG} or {@link LEGACY_TAG} for the protocol they speak, and `ip:<address>` for
 * the client address, so `ctx.getWebSockets(tag)` counts them without keeping any state.
 */
import {
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_POLICY_VIOLATION,
  CLOSE_SHARE_DELETED,
  CLOSE_TOO_MANY_VIEWERS,
  MAX_CATCH_UP_BYTES,
  MAX_VIEWER_MESSAGE_BYTES,
  PING,
  PONG,
} from "@shareroom/shared";
import { legacyMessages, liveMessages, message, type SentRow } from "./live";
import type { ItemRow, ShareRow } from "./store";
import { positiveVar } from "./vars";

/** Tag of current viewers (`/ws/:id`, the protocol of `@shareroom/shared` live.ts). */
export const VIEWER_TAG = "viewer";
/** Tag of legacy pollers (`/share_poll`), which understand `{key, content}` frames only. */
export const LEGACY_TAG = "legacy";

/** Open viewer sockets allowed at once: on one share, and from one client address on one share. */
export interface ViewerCaps {
  perShare: number;
  perAddress: number;
}

/** Defaults of {@link ViewerCaps} when the wrangler vars are unset or not positive integers. */
export const DEFAULT_VIEWER_CAPS: ViewerCaps = { perShare: 1000, perAddress: 32 };

/** The caps from the `VIEWERS_PER_SHARE` and `VIEWERS_PER_ADDRESS` vars (wrangler.jsonc, docs/deploy.md). */
export function viewerCaps(env: Env): ViewerCaps {
  return {
    perShare: positiveVar(env.VIEWERS_PER_SHARE, DEFAULT_VIEWER_CAPS.perShare),
    perAddress: positiveVar(env.VIEWERS_PER_ADDRESS, DEFAULT_VIEWER_CAPS.perAddress),
  };
}

/**
 * The address tag of the client behind `request` (`cf-connecting-ip`, which the worker passes on; `local` without
 * it). Cut to stay within the runtime's 256-character limit on tags.
 */
export function addressTag(request: Request): string {
  return `ip:${(request.headers.get("cf-connecting-ip") ?? "local").slice(0, 128)}`;
}

/** Sends `text`, ignoring a socket that is closing under us (a viewer reconnects with `since` and catches up). */
export function trySend(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closing: nothing to do.
  }
}

/** Closes `ws`, ignoring a socket that is already closing. */
function tryClose(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closing.
  }
}

/**
 * An upgrade answered with a socket that is closed at once, after `texts`: a browser sees a refused upgrade only
 * as a failed connection, while a close code tells it why. Not kept: no hibernation, no storage.
 */
function closedSocket(code: number, reason: string, texts: string[] = []): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  for (const text of texts) pair[1].send(text);
  pair[1].close(code, reason);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/**
 * The upgrade answer for a share that does not exist (never created, or deleted): a viewer gets `deleted` and
 * {@link CLOSE_SHARE_DELETED}, so it stops reconnecting; a legacy poller gets the close alone, as its protocol has
 * no frame but `{key, content}`.
 */
export function goneSocket(legacy: boolean): Response {
  return closedSocket(CLOSE_SHARE_DELETED, "share not found", legacy ? [] : [message({ type: "deleted" })]);
}

/**
 * Admission of a new socket on the share whose room holds `ctx`: the tags to accept it with (besides its protocol
 * tag), or — when the share or the client's address already has as many sockets as {@link viewerCaps} allows — the
 * upgrade answer that closes it with {@link CLOSE_TOO_MANY_VIEWERS}.
 */
export function admitViewer(ctx: DurableObjectState, env: Env, request: Request): string[] | Response {
  const caps = viewerCaps(env);
  const tag = addressTag(request);
  if (ctx.getWebSockets().length >= caps.perShare) {
    return closedSocket(CLOSE_TOO_MANY_VIEWERS, "this share has too many viewers");
  }
  if (ctx.getWebSockets(tag).length >= caps.perAddress) {
    return closedSocket(CLOSE_TOO_MANY_VIEWERS, "too many viewers from this address");
  }
  return [tag];
}

/**
 * The messages that bring a viewer at `since` up to date: changes and removals (split by size) and `ready`, or
 * `reset` when `since` is ahead of the share, older than what the rows hold, or more than `MAX_CATCH_UP_BYTES` behind.
 */
export function catchUp(sql: SqlStorage, share: ShareRow, since: number): string[] {
  const { seq } = share;
  if (since > seq) return [message({ type: "reset", seq, reason: "ahead_of_share" })];
  if (since === seq) return [message({ type: "ready", seq })];
  if (since < share.horizon) return [message({ type: "reset", seq, reason: "too_far_behind" })];
  const total = sql.exec<{ bytes: number | null }>("SELECT SUM(bytes) AS bytes FROM items WHERE seq > ?", since);
  if ((total.one().bytes ?? 0) > MAX_CATCH_UP_BYTES) {
    return [message({ type: "reset", seq, reason: "too_far_behind" })];
  }
  const rows = sql.exec<ItemRow>(
    "SELECT key, seq, bytes, body, ref, removed FROM items WHERE seq > ? ORDER BY seq",
    since,
  );
  return [...liveMessages(rows), message({ type: "ready", seq })];
}

/**
 * Accepts a viewer socket with the admission `tags` ({@link admitViewer}) and sends its catch-up. No await inside:
 * no sync can slip in between.
 */
export function acceptViewer(
  ctx: DurableObjectState,
  sql: SqlStorage,
  share: ShareRow,
  since: number,
  tags: string[],
): Response {
  const pair = new WebSocketPair();
  ctx.acceptWebSocket(pair[1], [VIEWER_TAG, ...tags]);
  for (const text of catchUp(sql, share, since)) pair[1].send(text);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/**
 * Bytes of replay a legacy poller's socket may have queued (`bufferedAmount`) before the replay waits for the client
 * to read: what the runtime holds for one slow poller, outside the isolate. One replay step also sends no more than
 * about this much (counted in UTF-16 units, which never exceed the UTF-8 bytes) before it yields, so syncs and other
 * sockets are served in between.
 */
export const REPLAY_HIGH_WATER_BYTES = 1 << 20;
/**
 * How long a replay first waits before it looks at a full socket's queue again (ms); each wait without the queue
 * shrinking doubles it, up to {@link REPLAY_WAIT_MAX_MS}.
 */
export const REPLAY_WAIT_MS = 5;
/** The longest wait between two looks at a full socket's queue (ms). */
export const REPLAY_WAIT_MAX_MS = 250;
/**
 * A poller whose queue has not shrunk for this long (ms) is closed with {@link CLOSE_TRY_AGAIN_LATER}: a client that
 * stopped reading would otherwise keep the room awake (a pending timer keeps a Durable Object from hibernating).
 */
export const REPLAY_STALL_MS = 60_000;
/** WebSocket close code 1013, "try again later" (RFC 6455 §7.4.2, IANA registry). */
export const CLOSE_TRY_AGAIN_LATER = 1013;
/** WebSocket close code 1011, "internal error" (RFC 6455 §7.4.1): the room could not go on (R2 failing). */
export const CLOSE_INTERNAL_ERROR = 1011;
/**
 * While a legacy replay runs, the room keeps its alarm at most this far ahead (ms). A Durable Object with a timer
 * pending does not hibernate, but an idle one may still be evicted after 70–140 s (Cloudflare's "Lifecycle of a
 * Durable Object"); the alarm then wakes it, and the constructor resumes the replay from the socket's attachment.
 */
export const REPLAY_WATCHDOG_MS = 30_000;

/**
 * A legacy poller's attachment while its replay runs: the seq of the last row replayed to it, and the `driver`, an
 * id of the room instance whose loop sends it. Kept in the socket's attachment so that a room woken again after an
 * eviction (a new instance, with a new id) resumes the replay where it stopped ({@link orphanedReplays}); cleared
 * when the replay ends.
 */
interface ReplayAttachment {
  replayedThrough: number;
  driver: string;
}

/** Whether the replay of every stored key to the legacy poller `ws` is still running. */
export function replaying(ws: WebSocket): boolean {
  return replayAttachment(ws) !== null;
}

/** The replay state in a poller's attachment, or `null` when its replay is over (or it never had one). */
function replayAttachment(ws: WebSocket): ReplayAttachment | null {
  const attachment = ws.deserializeAttachment() as Partial<ReplayAttachment> | null;
  return typeof attachment?.replayedThrough === "number" && typeof attachment.driver === "string"
    ? (attachment as ReplayAttachment)
    : null;
}

/** The legacy pollers whose replay is still running (see {@link replayStep}). */
export function replayingPollers(ctx: DurableObjectState): WebSocket[] {
  return ctx.getWebSockets(LEGACY_TAG).filter(replaying);
}

/**
 * The legacy pollers whose replay runs but no loop of the room instance `driver` sends it (the instance that did
 * was evicted), each now marked as driven by `driver`: the caller runs their replays on.
 */
export function orphanedReplays(ctx: DurableObjectState, driver: string): WebSocket[] {
  const orphans: WebSocket[] = [];
  for (const ws of ctx.getWebSockets(LEGACY_TAG)) {
    const attachment = replayAttachment(ws);
    if (attachment === null || attachment.driver === driver) continue;
    ws.serializeAttachment({ replayedThrough: attachment.replayedThrough, driver } satisfies ReplayAttachment);
    orphans.push(ws);
  }
  return orphans;
}

/** Ends a replay early: clears the poller's attachment (so nothing resumes it) and closes it with `code`. */
export function endReplay(ws: WebSocket, code: number, reason: string): void {
  ws.serializeAttachment(null);
  tryClose(ws, code, reason);
}

/**
 * Accepts a legacy poller with the admission `tags` ({@link admitViewer}) and marks its replay of every stored key
 * (the legacy protocol's rule) as started, driven by the room instance `driver`; the caller runs it with
 * {@link replayStep}, from its first step after the upgrade is answered, so nothing is queued for a client that
 * cannot read yet.
 */
export function acceptLegacy(
  ctx: DurableObjectState,
  tags: string[],
  driver: string,
): { response: Response; socket: WebSocket } {
  const pair = new WebSocketPair();
  ctx.acceptWebSocket(pair[1], [LEGACY_TAG, ...tags]);
  pair[1].serializeAttachment({ replayedThrough: 0, driver } satisfies ReplayAttachment);
  return { response: new Response(null, { status: 101, webSocket: pair[0] }), socket: pair[1] };
}

/**
 * One step of a legacy poller's replay, by the loop of the room instance `driver` (needs hydrated rows): sends the
 * stored keys after the last one replayed, in seq order, until about {@link REPLAY_HIGH_WATER_BYTES} are sent or
 * queued, or the rows end. Returns `true` when this loop is done: the rows ended or the socket is no longer open
 * (the attachment is then cleared in the same step, so {@link broadcast} sends the poller every change from the
 * next one on, and none is missed or sent ahead of the replay), or another instance's loop drives the replay now.
 * A row that changes during the replay gets a seq above every row already replayed, so a later step sends it at
 * its newest: the poller ends with every key's latest content, as an unpaced replay gave it. The rows are read
 * through one SQLite cursor and each is sent as it is read, so the isolate holds one row and its message.
 */
export function replayStep(sql: SqlStorage, share: ShareRow, ws: WebSocket, driver: string): boolean {
  const attachment = replayAttachment(ws);
  // Over, or sent by another instance's loop (one that resumed it): this loop stops.
  if (attachment === null || attachment.driver !== driver) return true;
  const after = attachment.replayedThrough;
  if (ws.readyState !== WebSocket.OPEN) {
    ws.serializeAttachment(null);
    return true;
  }
  const rows = sql.exec<Pick<ItemRow, "key" | "seq" | "body">>(
    "SELECT key, seq, body FROM items WHERE removed = 0 AND seq > ? ORDER BY seq",
    after,
  );
  let sent = 0;
  for (const row of rows) {
    for (const text of legacyMessages(share.session_id, [row])) {
      trySend(ws, text);
      sent += text.length;
    }
    if (sent >= REPLAY_HIGH_WATER_BYTES || ws.bufferedAmount >= REPLAY_HIGH_WATER_BYTES) {
      ws.serializeAttachment({ replayedThrough: row.seq, driver } satisfies ReplayAttachment);
      return false;
    }
  }
  ws.serializeAttachment(null);
  return true;
}

/** Sends accepted rows (in seq order) to every viewer, and to legacy pollers in their `{key, content}` form. */
export function broadcast(ctx: DurableObjectState, rows: SentRow[], sessionID: string): void {
  if (rows.length === 0) return;
  const legacy = ctx.getWebSockets(LEGACY_TAG);
  if (legacy.length > 0) {
    const texts = [...legacyMessages(sessionID, rows)];
    // A poller still being replayed to gets these rows from its replay, after the rows before them.
    for (const ws of legacy) if (!replaying(ws)) for (const text of texts) trySend(ws, text);
  }
  const sockets = ctx.getWebSockets(VIEWER_TAG);
  if (sockets.length === 0) return;
  const texts = liveMessages(rows);
  for (const ws of sockets) for (const text of texts) trySend(ws, text);
}

/**
 * A message from a viewer that the heartbeat auto-response did not answer. Viewers only listen, so anything but
 * {@link PING} closes the socket: {@link CLOSE_MESSAGE_TOO_BIG} past {@link MAX_VIEWER_MESSAGE_BYTES}, else
 * {@link CLOSE_POLICY_VIOLATION}. Each such message wakes the room once; then the sender is gone.
 */
export function onViewerMessage(ws: WebSocket, text: string | ArrayBuffer): void {
  if (text === PING) {
    ws.send(PONG);
    return;
  }
  // A string's UTF-8 form has at least as many bytes as it has UTF-16 units: only short ones need encoding.
  const bytes =
    typeof text !== "string"
      ? text.byteLength
      : text.length > MAX_VIEWER_MESSAGE_BYTES
        ? text.length
        : new TextEncoder().encode(text).byteLength;
  if (bytes > MAX_VIEWER_MESSAGE_BYTES) {
    tryClose(ws, CLOSE_MESSAGE_TOO_BIG, `viewer messages are at most ${MAX_VIEWER_MESSAGE_BYTES} bytes`);
    return;
  }
  tryClose(ws, CLOSE_POLICY_VIOLATION, `viewers send only "${PING}"`);
}

/**
 * Ends every socket of a share being deleted: viewers get `deleted` and {@link CLOSE_SHARE_DELETED}; legacy
 * pollers the close alone (their protocol has no frame but `{key, content}`).
 */
export function closeForDeletion(ctx: DurableObjectState): void {
  const deleted = message({ type: "deleted" });
  for (const ws of ctx.getWebSockets(VIEWER_TAG)) {
    trySend(ws, deleted);
    tryClose(ws, CLOSE_SHARE_DELETED, "share deleted");
  }
  for (const ws of ctx.getWebSockets(LEGACY_TAG)) tryClose(ws, CLOSE_SHARE_DELETED, "share deleted");
}

/**
 * Called once a socket's closing handshake is complete (`webSocketClose`). When the share is gone, the room resets
 * itself: the runtime keeps the connections of a closed hibernatable socket open until the object goes idle (about
 * 10 s, measured with `wrangler dev`: the close frame arrives at once, the TCP connection ends 10 s later, and clients
 * report the close only then). A deleted share's room holds nothing worth keeping, so ending it lets every client see
 * the close at once. `ctx.abort` does not return.
 */
export function endIfDeleted(ctx: DurableObjectState, shareExists: boolean): void {
  if (!shareExists) ctx.abort("share deleted");
}
