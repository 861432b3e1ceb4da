/**
 * Ids for the items made from a transcript: opencode's shape (`prefix_` + time-ordered hex + a tail), derived only
 * from what the transcript says, so that reading a file again (after a restart, or in another process) gives the
 * same ids, and the page (which orders messages and parts by id, as opencode's ids sort) shows them in creation
 * order. The layout: docs/agents.md, "How a session maps to items".
 */
import { createHash } from "node:crypto";

/** The kinds of id, by opencode's prefixes. */
export type IdPrefix = "ses" | "msg" | "prt";

/** First 12 hex digits of the SHA-256 of `text`. */
function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/**
 * An id that sorts by `timeMs`, then by `order` (0–255, e.g. a block's position in its record), and is unique by
 * `nativeKey` (the agent's own id of the record or block). 30 lowercase characters: `prefix_`, 12 hex digits of the
 * Unix time in ms, 2 hex digits of `order`, 12 hex digits of the hash of `nativeKey`.
 *
 * @example itemId("msg", Date.parse("2026-12-01T08:16:09.851Z"), "claude:0b9d138a-…") // "msg_019dc…"
 */
export function itemId(prefix: IdPrefix, timeMs: number, nativeKey: string, order = 0): string {
  const time = Math.max(0, Math.floor(Number.isFinite(timeMs) ? timeMs : 0));
  const step = Math.min(255, Math.max(0, Math.floor(order)));
  return `${prefix}_${time.toString(16).padStart(12, "0")}${step.toString(16).padStart(2, "0")}${shortHash(nativeKey)}`;
}

/**
 * The id of the session made from an agent's session (or subagent) `nativeId`. Session ids carry no time, so that
 * a parent transcript can name a child session before the child's file exists (`task` parts link to it).
 */
export function sessionId(agent: string, nativeId: string): string {
  return `ses_${createHash("sha256").update(`${agent}:${nativeId}`).digest("hex").slice(0, 26)}`;
}

/** Unix ms of an ISO-8601 timestamp; `fallback` when it is missing or unreadable. */
export function timeOf(value: unknown, fallback = 0): number {
  if (typeof value !== "string") return typeof value === "number" && Number.isFinite(value) ? value : fallback;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : fallback;
}
