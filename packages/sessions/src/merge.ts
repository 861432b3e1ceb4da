/**
 * The merge rule for one key: which of the stored and the incoming value of an item wins.
 *
 * The CLI sends a batch every second without waiting for the previous one, so batches can arrive out of order
 * (see `shared/fixtures/opencode-1.18.33-C-slow-server`). Plain last-wins would let a late `running` snapshot of a
 * tool overwrite its `completed` one. So an item never moves backwards in its own progression; where items carry
 * no progression signal, or both are at the same point, arrival order decides (the CLI's own rule: last wins).
 */
import type { Item } from "@shareroom/shared";

/** A point in an item's progression, compared lexicographically (missing trailing numbers count as 0). */
export type Progress = readonly number[];

// A Map, not an object: the status is client text, and `"constructor"` must not find Object.prototype's.
const TOOL_STATUS_RANK = new Map<unknown, number>([
  ["pending", 0],
  ["running", 1],
  ["completed", 2],
  ["error", 2],
]);

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function has(value: unknown): number {
  return value === undefined || value === null ? 0 : 1;
}

/**
 * Where an item stands in its progression, compared lexicographically; `undefined` when it carries no signal.
 * - tool part: status (pending < running < completed | error), then `state.time.end` present;
 * - text / reasoning part: `time.end` present (finished);
 * - message: `time.completed` present;
 * - session: `time.updated` (ms).
 */
export function progressOf(item: Item): Progress | undefined {
  const data = record(item.data);
  if (!data) return undefined;
  const time = record(data.time);
  switch (item.type) {
    case "part": {
      if (data.type === "tool") {
        const state = record(data.state);
        const rank = TOOL_STATUS_RANK.get(state?.status);
        if (rank === undefined) return undefined;
        return [rank, has(record(state?.time)?.end)];
      }
      if (data.type === "text" || data.type === "reasoning") return time ? [has(time.end)] : undefined;
      return undefined;
    }
    case "message":
      return time ? [has(time.completed)] : undefined;
    case "session":
      return typeof time?.updated === "number" ? [time.updated] : undefined;
    default:
      return undefined;
  }
}

function compare(a: Progress, b: Progress): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The epoch of a sync batch: the largest `session.time.updated` (Unix ms) among its items, or `undefined` when it
 * carries no session. The CLI re-sends the session in almost every batch, so this orders batches by when the CLI
 * assembled them — which tells an older batch that arrived late from a newer one, for items that carry no
 * progression of their own (e.g. a user message whose `summary.diffs` grows during the turn).
 */
export function batchEpoch(items: Iterable<Item>): number | undefined {
  let epoch: number | undefined;
  for (const item of items) {
    if (item.type !== "session") continue;
    const updated = record(record(item.data)?.time)?.updated;
    if (typeof updated === "number" && (epoch === undefined || updated > epoch)) epoch = updated;
  }
  return epoch;
}

/** What the merge rule remembers of a stored item. */
export interface StoredVersion {
  progress: Progress | undefined;
  epoch: number | undefined;
}

/**
 * True when `incoming` (from a batch of epoch `epoch`) may replace the stored version:
 * 1. if both carry a progression and they differ, the one further along wins;
 * 2. otherwise, if both batches have an epoch, an older batch never replaces a newer one;
 * 3. otherwise arrival order: the incoming item wins.
 */
export function supersedes(stored: StoredVersion, incoming: Item, epoch: number | undefined): boolean {
  const after = progressOf(incoming);
  if (stored.progress && after) {
    const order = compare(after, stored.progress);
    if (order !== 0) return order > 0;
  }
  if (epoch !== undefined && stored.epoch !== undefined) return epoch >= stored.epoch;
  return true;
}
