/**
 * The live-sync WebSocket protocol between a `ShareRoom` and its viewers (`GET /ws/:id?since=<seq>`).
 *
 * Guarantee: a viewer that applies every `changes` message it receives, in order, on top of the snapshot taken at
 * `since`, holds exactly the stored state — no change missed, none applied twice. Each change carries its `seq`;
 * a viewer remembers the highest one and reconnects with it.
 */
// zod/mini: the same schemas with a tree-shakable API, so the page that parses every live message ships ~3 KB
// (gzipped) of validator instead of all of zod (18 KB less on the share page). `safeParse`/`parse` behave as in
// classic zod.
import { z } from "zod/mini";
import type { Entry, Removal, ShareSnapshot } from "./api.ts";

/** Close code sent when the share was deleted; a viewer must not reconnect. (4000–4999: application codes.) */
export const CLOSE_SHARE_DELETED = 4404;

/**
 * Close code of a viewer socket refused because the share, or the viewer's address, already has as many open
 * sockets as the server allows (`VIEWERS_PER_SHARE`, `VIEWERS_PER_ADDRESS` in the sessions worker's wrangler vars,
 * docs/deploy.md). Sent right after the upgrade, before any message. A viewer may reconnect later, with backoff.
 */
export const CLOSE_TOO_MANY_VIEWERS = 4429;

/**
 * Close code (RFC 6455 §7.4.1 "policy violation") for a viewer that sent something other than {@link PING}:
 * viewers only listen, so any other message is not part of the protocol.
 */
export const CLOSE_POLICY_VIOLATION = 1008;

/** Close code (RFC 6455 §7.4.1 "message too big") for a viewer message over {@link MAX_VIEWER_MESSAGE_BYTES}. */
export const CLOSE_MESSAGE_TOO_BIG = 1009;

/** Largest message (bytes) a viewer may send; the protocol's only viewer message is {@link PING}. */
export const MAX_VIEWER_MESSAGE_BYTES = 64;

/** The text a viewer sends as a heartbeat; answered `"pong"` without waking the Durable Object. */
export const PING = "ping";
export const PONG = "pong";

/**
 * Server → viewer messages:
 * - `changes`: changed entries in ascending `seq` (catch-up after connect, then one message per accepted sync;
 *   large sets are split over several messages);
 * - `removed`: item keys deleted from the share (the removal extension of a sync, `api.ts`), each with the `seq` of
 *   its removal, interleaved with `changes` in seq order; a viewer drops the key (and, for `message/<id>`, that
 *   message's parts) and remembers the seq like any other;
 * - `ready`: catch-up is complete; `seq` is the share's sequence number at that moment;
 * - `reset`: the changes after `since` are not held (or `since` is ahead of the share): reload the snapshot;
 * - `deleted`: the share is gone; the socket closes with {@link CLOSE_SHARE_DELETED}.
 */
export type ServerMessage =
  | { type: "changes"; changes: Entry[] }
  | { type: "removed"; removed: Removal[] }
  | { type: "ready"; seq: number }
  | { type: "reset"; seq: number; reason: "too_far_behind" | "ahead_of_share" }
  | { type: "deleted" };

/** Validates one {@link Entry}: inline (`item`) or by reference (`ref`). Extra fields (`epoch`) are dropped. */
export const EntrySchema = z.union([
  z.object({ key: z.string(), seq: z.int(), item: z.object({ type: z.string(), data: z.unknown() }) }),
  z.object({
    key: z.string(),
    seq: z.int(),
    ref: z.object({ hash: z.string(), bytes: z.number(), type: z.string() }),
  }),
]);

/** Validates a `GET /api/share/:id/snapshot` body ({@link ShareSnapshot}); the page parses the snapshot with it. */
export const ShareSnapshotSchema = z.object({
  id: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  seq: z.int().check(z.nonnegative()),
  entries: z.array(EntrySchema),
});

/** Validates a message received by a viewer; the page parses every message with it. */
export const ServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("changes"), changes: z.array(EntrySchema) }),
  z.object({ type: z.literal("removed"), removed: z.array(z.object({ key: z.string(), seq: z.int() })) }),
  z.object({ type: z.literal("ready"), seq: z.int().check(z.nonnegative()) }),
  z.object({
    type: z.literal("reset"),
    seq: z.int().check(z.nonnegative()),
    reason: z.enum(["too_far_behind", "ahead_of_share"]),
  }),
  z.object({ type: z.literal("deleted") }),
]);

/** Parses `?since=`: absent → 0; otherwise a non-negative safe integer, or `null` when malformed. */
export function parseSince(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return 0;
  if (!/^\d{1,15}$/.test(value)) return null;
  return Number(value);
}
