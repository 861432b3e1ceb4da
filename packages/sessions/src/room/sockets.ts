/**
 * The room's WebSockets (hibernation API): viewers of `/ws/:id` and legacy `/share_poll` pollers — accepting them,
 * catching a viewer up from `since`, broadcasting accepted rows, and telling everyone the share is gone.
 */
import { CLOSE_SHARE_DELETED, MAX_CATCH_UP_BYTES } from "@shareroom/shared";
import { legacyMessages, liveMessages, message, type SentRow } from "./live";
import type { ItemRow, ShareRow } from "./store";

/** WebSocket tags: current viewers (`/ws/:id`) and legacy pollers (`/share_poll`). */
export const VIEWER_TAG = "viewer";
export const LEGACY_TAG = "legacy";

/** Sends `text`, ignoring a socket that is closing under us (a viewer reconnects with `since` and catches up). */
export function trySend(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closing: nothing to do.
  }
}

/**
 * The answer to an upgrade for a share that does not exist: a socket that says `deleted` and closes with
 * {@link CLOSE_SHARE_DELETED} (a browser sees a refused upgrade only as a failed connection). Not kept: no
 * hibernation, no storage.
 */
export function deletedSocket(): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].send(message({ type: "deleted" }));
  pair[1].close(CLOSE_SHARE_DELETED, "share not found");
  return new Response(null, { status: 101, webSocket: pair[0] });
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

/** Accepts a viewer socket and sends its catch-up. No await inside: no sync can slip in between. */
export function acceptViewer(ctx: DurableObjectState, sql: SqlStorage, share: ShareRow, since: number): Response {
  const pair = new WebSocketPair();
  ctx.acceptWebSocket(pair[1], [VIEWER_TAG]);
  for (const text of catchUp(sql, share, since)) pair[1].send(text);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Accepts a legacy poller and replays every stored key (the legacy protocol's rule; needs hydrated rows). */
export function acceptLegacy(ctx: DurableObjectState, sql: SqlStorage, share: ShareRow): Response {
  const pair = new WebSocketPair();
  ctx.acceptWebSocket(pair[1], [LEGACY_TAG]);
  const rows = sql.exec<ItemRow>("SELECT key, body FROM items WHERE removed = 0 ORDER BY seq");
  for (const text of legacyMessages(share.session_id, rows)) pair[1].send(text);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Sends accepted rows (in seq order) to every viewer, and to legacy pollers in their `{key, content}` form. */
export function broadcast(ctx: DurableObjectState, rows: SentRow[], sessionID: string): void {
  if (rows.length === 0) return;
  const legacy = ctx.getWebSockets(LEGACY_TAG);
  if (legacy.length > 0) {
    const texts = legacyMessages(sessionID, rows);
    for (const ws of legacy) for (const text of texts) trySend(ws, text);
  }
  const sockets = ctx.getWebSockets(VIEWER_TAG);
  if (sockets.length === 0) return;
  const texts = liveMessages(rows);
  for (const ws of sockets) for (const text of texts) trySend(ws, text);
}

/** Tells every socket the share is deleted and closes it with {@link CLOSE_SHARE_DELETED}. */
export function closeAllDeleted(ctx: DurableObjectState): void {
  const deleted = message({ type: "deleted" });
  for (const ws of ctx.getWebSockets()) {
    try {
      ws.send(deleted);
      ws.close(CLOSE_SHARE_DELETED, "share deleted");
    } catch {
      // Already closing: nothing to tell it.
    }
  }
}
