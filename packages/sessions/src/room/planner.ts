/**
 * The ingest planner: given a checked batch and what the room holds for its keys, which items change stored state.
 * Pure (no storage, no runtime APIs), so the merge decisions are testable on their own; the room reads the stored
 * versions in one statement, asks the planner, and writes only what it returns.
 */
import type { Item } from "@shareroom/shared";
import { type Progress, supersedes } from "../merge";

/**
 * One item of a batch, as JSON text once (the body's own text of it, or serialized: `room/item-text.ts`): `json` is
 * what is stored and broadcast, `bytes` its UTF-8 size.
 */
export interface Incoming {
  index: number;
  key: string;
  item: Item;
  json: string;
  bytes: number;
  /** SHA-256 hex of `json`, for items stored by reference (over `INLINE_ITEM_MAX_BYTES`). */
  hash?: string;
}

/** What the merge rule needs of a stored row (see `store.ts` `ItemRow`). */
export interface StoredVersion {
  body: string | null;
  hash: string | null;
  bytes: number;
  progress: Progress | undefined;
  epoch: number | undefined;
  removed: boolean;
}

/** The planner's answer: the items to store, in batch order, and how many were left as they are. */
export interface Plan {
  changes: Incoming[];
  unchanged: number;
  /** The share's size in bytes once `changes` are stored. */
  bytes: number;
}

/** The last item for each key wins within a batch (the CLI's rule), kept at its last position. */
export function lastPerKey(items: Incoming[]): Incoming[] {
  // Positions only, and no copy when no key repeats (the CLI's batches): a 5 MB batch holds thousands of items.
  const last = new Map<string, number>();
  for (let index = 0; index < items.length; index++) last.set(items[index]!.key, index);
  if (last.size === items.length) return items;
  return items.filter((item, index) => last.get(item.key) === index);
}

/**
 * Which of `batch` change stored state: a key not stored (or removed) is new; one identical to what is stored
 * (same JSON, or the same blob hash) or that the merge rule (`merge.ts`) ranks behind it is unchanged.
 * `shareBytes` is the share's current size.
 */
export function plan(
  batch: Incoming[],
  stored: ReadonlyMap<string, StoredVersion>,
  epoch: number | undefined,
  shareBytes: number,
): Plan {
  const changes: Incoming[] = [];
  let unchanged = 0;
  let bytes = shareBytes;
  for (const incoming of batch) {
    const held = stored.get(incoming.key);
    if (held && !held.removed) {
      const same =
        (held.hash !== null && incoming.hash !== undefined && held.hash === incoming.hash) ||
        (held.body !== null && held.body === incoming.json);
      if (same || !supersedes(held, incoming.item, epoch)) {
        unchanged++;
        continue;
      }
    }
    bytes += incoming.bytes - (held && !held.removed ? held.bytes : 0);
    changes.push(incoming);
  }
  return { changes, unchanged, bytes };
}

/**
 * The keys a `removed` list names, split for lookup: exact keys, and the `part/<id>/` prefixes of every
 * `message/<id>` (removing a message removes its parts; the removal extension in `packages/shared/src/api.ts`).
 */
export function removalTargets(requested: readonly string[]): { keys: string[]; partPrefixes: string[] } {
  const keys = [...new Set(requested)];
  const partPrefixes = keys.filter((key) => key.startsWith("message/")).map((key) => `part/${key.slice(8)}/`);
  return { keys, partPrefixes };
}

/**
 * The items of `batch` that survive its own `removed` list: removals apply after the batch's data (the removal
 * extension in `packages/shared/src/api.ts`), so an item whose key is removed, or a part (`part/<id>/…`) whose message
 * `message/<id>` is removed, is never stored.
 */
export function withoutRemoved(batch: Incoming[], removed: readonly string[]): Incoming[] {
  if (removed.length === 0) return batch;
  const keys = new Set(removed);
  return batch.filter((item) => !keys.has(item.key) && !keys.has(messageKeyOfPart(item.key)));
}

/** `message/<id>` for a part key `part/<id>/<part id>`; `""` for any other key. */
function messageKeyOfPart(key: string): string {
  if (!key.startsWith("part/")) return "";
  const end = key.indexOf("/", 5);
  return end < 0 ? "" : `message/${key.slice(5, end)}`;
}

/** The keys starting with `prefix` as a half-open key range `[prefix, end)`, for a search on the primary key. */
export function prefixRange(prefix: string): [string, string] {
  return [prefix, prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)];
}
