/**
 * Keeping a share equal to a session's items: each flush sends what changed since the server last acknowledged
 * it (by item key, so changes that pile up while the server is away coalesce), and the keys that disappeared in
 * the sync body's `removed` list (docs/agents.md, "Removal"). Nothing is marked sent before a 2xx, so a failed flush
 * loses nothing: the next one sends it again.
 */
import { type Item, itemKey, MAX_ITEMS_PER_SYNC, MAX_REMOVALS_PER_SYNC } from "@shareroom/shared";
import { redactItems } from "@shareroom/shared/redact";
import { syncShare } from "./api.ts";

/** Largest JSON of the items of one sync request we send, in bytes (the server accepts up to 32 MiB). */
const BATCH_BYTES = 4 * 1024 * 1024;

/** The share a session syncs to. */
export interface ShareTarget {
  server: string;
  id: string;
  secret: string;
}

/** What one flush sent. */
export interface FlushResult {
  /** Items sent (new or changed). */
  sent: number;
  /** Keys removed. */
  removed: number;
  /** Secrets the client-side redaction replaced. */
  redacted: number;
}

/** One share's sync state. */
export class ShareSync {
  private readonly acknowledged = new Map<string, string>();
  /** The JSON of item data objects already serialized: readers store a new object for every change. */
  private readonly serialized = new WeakMap<object, string>();
  private readonly target: ShareTarget;

  constructor(target: ShareTarget) {
    this.target = target;
  }

  /** How many items the server holds from this session, as far as this process knows. */
  get synced(): number {
    return this.acknowledged.size;
  }

  private json(item: Item): string {
    const data = item.data;
    if (!data || typeof data !== "object") return JSON.stringify(item);
    let json = this.serialized.get(data);
    if (json === undefined) {
      json = JSON.stringify(item);
      this.serialized.set(data, json);
    }
    return json;
  }

  private diff(items: Item[]): { changed: { key: string; json: string; item: Item }[]; removed: string[] } {
    const current = new Map<string, { json: string; item: Item }>();
    for (const item of items) current.set(itemKey(item), { json: this.json(item), item });
    const changed = [...current].filter(([key, { json }]) => this.acknowledged.get(key) !== json);
    const removed = [...this.acknowledged.keys()].filter((key) => !current.has(key));
    return { changed: changed.map(([key, value]) => ({ key, ...value })), removed };
  }

  /**
   * Sends every change of `items` since the last acknowledged state, in requests of at most 4 MiB of items.
   * Throws the {@link ApiError} of the first failed request; what was acknowledged before it stays acknowledged.
   */
  async flush(items: Item[]): Promise<FlushResult> {
    const { changed, removed } = this.diff(items);
    const result: FlushResult = { sent: 0, removed: 0, redacted: 0 };
    if (changed.length === 0 && removed.length === 0) return result;
    const clean = await redactItems(changed.map((entry) => entry.item));
    result.redacted = clean.redacted;
    const batches: { entries: typeof changed; items: Item[]; removed: string[] }[] = [];
    let batch: (typeof batches)[number] = { entries: [], items: [], removed: [] };
    let bytes = 0;
    changed.forEach((entry, index) => {
      const item = clean.items[index] as Item;
      const size = entry.json.length;
      if (batch.items.length > 0 && (bytes + size > BATCH_BYTES || batch.items.length >= MAX_ITEMS_PER_SYNC)) {
        batches.push(batch);
        batch = { entries: [], items: [], removed: [] };
        bytes = 0;
      }
      batch.entries.push(entry);
      batch.items.push(item);
      bytes += size;
    });
    for (let start = 0; start < removed.length; start += MAX_REMOVALS_PER_SYNC) {
      if (batch.removed.length > 0) {
        batches.push(batch);
        batch = { entries: [], items: [], removed: [] };
      }
      batch.removed = removed.slice(start, start + MAX_REMOVALS_PER_SYNC);
    }
    batches.push(batch);
    for (const next of batches) {
      if (next.items.length === 0 && next.removed.length === 0) continue;
      await syncShare(this.target.server, this.target.id, this.target.secret, next.items, next.removed);
      for (const entry of next.entries) this.acknowledged.set(entry.key, entry.json);
      for (const key of next.removed) this.acknowledged.delete(key);
      result.sent += next.items.length;
      result.removed += next.removed.length;
    }
    return result;
  }
}
