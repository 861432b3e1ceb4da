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

const TOOL_STATUS_RANK: Record<string, number> = { pending: 0, running: 1, completed: 2, error: 2 };

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
        const rank = TOOL_STATUS_RANK[String(state?.status)];
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
 * True when `incoming` may replace a stored item whose progression is `stored` (as {@link progressOf} gave it when
 * it was stored): it is not behind it. Without a signal on either side, arrival order wins (true).
 */
export function supersedes(stored: Progress | undefined, incoming: Item): boolean {
  const after = progressOf(incoming);
  if (!stored || !after) return true;
  return compare(after, stored) >= 0;
}
