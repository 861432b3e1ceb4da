/**
 * Keeping a share equal to a session's items: each flush sends what changed since the server last acknowledged
 * it (by item key, so changes that pile up while the server is away coalesce), and the keys that disappeared in
 * the sync body's `removed` list (docs/agents.md, "Removal"). Nothing is marked sent before a 2xx, so a failed flush
 * loses nothing: the next one sends it again. What the server refuses (a 4xx with an item-level code, or an item
 * listed in a 200's `refused`) is skipped and reported instead of being sent again until it changes; a full share
 * (`share_too_large`) holds the items back until a removal is acknowledged (docs/agents.md, "Following a session
 * live").
 */
import { createHash } from "node:crypto";
import { type Item, itemKey, MAX_ITEM_BYTES, MAX_ITEMS_PER_SYNC, MAX_REMOVALS_PER_SYNC } from "@shareroom/shared";
import { redactItems } from "@shareroom/shared/redact";
import { ApiError, syncShare } from "./api.ts";

/** Largest JSON of the items of one sync request we send, in bytes (the server accepts up to 32 MiB). */
const BATCH_BYTES = 4 * 1024 * 1024;

/** The share a session syncs to. */
export interface ShareTarget {
  server: string;
  id: string;
  secret: string;
}

/** One item (or removal) the server refused: its key and the error code it gave. */
export interface Refusal {
  key: string;
  code: string;
  message: string;
}

/** What one flush sent. */
export interface FlushResult {
  /** Items sent (new or changed) and acknowledged. */
  sent: number;
  /** Keys removed. */
  removed: number;
  /** Secrets the client-side redaction replaced. */
  redacted: number;
  /** Items and removals refused during this flush; they are not sent again until they change. */
  refused: Refusal[];
}

/**
 * What a share holds from this session as far as the client knows, to resume without sending everything again:
 * a content hash per acknowledged item key, and the hash and code of each refused item.
 */
export interface SyncSnapshot {
  items: Record<string, string>;
  refused: Record<string, { hash: string; code: string }>;
}

/** A change to send: an item, or a key to remove. */
type Unit = { key: string; hash: string; item: Item } | { key: string; removal: true };

/** One share's sync state. */
export class ShareSync {
  /** Item key → hash of the item JSON the server acknowledged. */
  private readonly acknowledged = new Map<string, string>();
  /** Item key → hash of the item JSON the server refused, with the code. */
  private readonly refusedItems = new Map<string, { hash: string; code: string }>();
  /** Hash and size of item data objects already serialized: readers store a new object for every change. */
  private readonly digests = new WeakMap<object, { hash: string; bytes: number }>();
  private readonly target: ShareTarget;
  private lastSeq = 0;
  private changes = 0;
  /** The `share_too_large` answer that holds items back, until a removal is acknowledged. */
  private full: ApiError | undefined;
  /** Whether this flush's empty sync showed that a refused request was refused for what it carried. */
  private requestChecked = false;

  constructor(target: ShareTarget, snapshot?: SyncSnapshot) {
    this.target = target;
    if (snapshot) {
      for (const [key, hash] of Object.entries(snapshot.items)) this.acknowledged.set(key, hash);
      for (const [key, refused] of Object.entries(snapshot.refused)) this.refusedItems.set(key, refused);
    }
  }

  /** How many items the server holds from this session, as far as this process knows. */
  get synced(): number {
    return this.acknowledged.size;
  }

  /** How many items are refused now (each is sent again only once it changes). */
  get refused(): number {
    return this.refusedItems.size;
  }

  /** How many times the state {@link snapshot} returns changed in this process (to know when to save it again). */
  get revision(): number {
    return this.changes;
  }

  /** The highest `seq` the server answered a sync with (0 before the first). */
  get seq(): number {
    return this.lastSeq;
  }

  /**
   * Sends an empty sync, which checks that the share exists and takes the secret; resolves to the share's `seq`.
   * Throws the {@link ApiError} of the call (404 `share_not_found`, 403 `invalid_secret`, unreachable, …).
   */
  async probe(): Promise<number> {
    const answer = await syncShare(this.target.server, this.target.id, this.target.secret, [], []);
    this.lastSeq = Math.max(this.lastSeq, answer?.seq ?? 0);
    return answer?.seq ?? 0;
  }

  /** The refused items counted by error code. */
  refusedCodes(): Record<string, number> {
    const codes: Record<string, number> = {};
    for (const { code } of this.refusedItems.values()) codes[code] = (codes[code] ?? 0) + 1;
    return codes;
  }

  /** The state to save for a later resume (see {@link SyncSnapshot}). */
  snapshot(): SyncSnapshot {
    return { items: Object.fromEntries(this.acknowledged), refused: Object.fromEntries(this.refusedItems) };
  }

  private digest(item: Item): { hash: string; bytes: number } {
    const data = item.data;
    const cached = data && typeof data === "object" ? this.digests.get(data) : undefined;
    if (cached) return cached;
    const json = JSON.stringify(item);
    const digest = {
      hash: createHash("sha256").update(json).digest("base64url").slice(0, 22),
      bytes: Buffer.byteLength(json),
    };
    if (data && typeof data === "object") this.digests.set(data, digest);
    return digest;
  }

  private diff(items: Item[]) {
    const current = new Map<string, { hash: string; bytes: number; item: Item }>();
    for (const item of items) current.set(itemKey(item), { ...this.digest(item), item });
    const changed = [...current]
      .filter(([key, { hash }]) => this.acknowledged.get(key) !== hash && this.refusedItems.get(key)?.hash !== hash)
      .map(([key, value]) => ({ key, ...value }));
    const removed = [...this.acknowledged.keys()].filter((key) => !current.has(key));
    // A refused item that is gone needs no removal: the server never stored that version.
    for (const key of [...this.refusedItems.keys()]) {
      if (!current.has(key) && this.refusedItems.delete(key)) this.changes++;
    }
    return { changed, removed };
  }

  /**
   * Sends every change of `items` since the last acknowledged state, in requests of at most 4 MiB of items. A
   * request refused with an item-level code ({@link ApiError.refusal}) is split until the refused item (or removal)
   * is alone, which is then skipped and listed in the result; an empty sync first checks that the request itself is
   * not what the server refuses. An item over `MAX_ITEM_BYTES` is refused here without being sent. After a
   * `share_too_large` answer only removals are sent until one is acknowledged; until then the flush throws that
   * answer again. Throws the {@link ApiError} of the first request that failed otherwise (unreachable, 5xx, 408/429,
   * `share_too_large`, gone, fatal: a part of a split request refused with another code ends the split there), or
   * the item-level error of the empty sync when the server refuses even that; what was acknowledged before it stays
   * acknowledged.
   */
  async flush(items: Item[]): Promise<FlushResult> {
    const { changed, removed } = this.diff(items);
    const result: FlushResult = { sent: 0, removed: 0, redacted: 0, refused: [] };
    if (changed.length === 0 && removed.length === 0) return result;
    this.requestChecked = false;
    const sendable = changed.filter((entry) => {
      if (entry.bytes <= MAX_ITEM_BYTES) return true;
      const message = `the item is ${entry.bytes} bytes of JSON; the server takes at most ${MAX_ITEM_BYTES}`;
      this.refuse({ key: entry.key, hash: entry.hash, item: entry.item }, "item_too_large", message, result);
      return false;
    });
    const clean = await redactItems(sendable.map((entry) => entry.item));
    result.redacted = clean.redacted;
    const batches: Unit[][] = [];
    let batch: Unit[] = [];
    let bytes = 0;
    sendable.forEach((entry, index) => {
      if (batch.length > 0 && (bytes + entry.bytes > BATCH_BYTES || batch.length >= MAX_ITEMS_PER_SYNC)) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push({ key: entry.key, hash: entry.hash, item: clean.items[index] as Item });
      bytes += entry.bytes;
    });
    if (batch.length > 0) batches.push(batch);
    const removals: Unit[][] = [];
    for (let start = 0; start < removed.length; start += MAX_REMOVALS_PER_SYNC) {
      removals.push(removed.slice(start, start + MAX_REMOVALS_PER_SYNC).map((key) => ({ key, removal: true })));
    }
    if (this.full) {
      // A full share takes no item; removals alone may make room.
      for (const next of removals) await this.send(next, result);
      if (this.full) throw this.full;
    } else {
      // Removals ride with the last batch of items when there is room (the server applies them after its data).
      const last = batches.at(-1);
      const first = last ? removals.shift() : undefined;
      if (last && first) last.push(...first);
      batches.push(...removals);
    }
    for (const next of batches) await this.send(next, result);
    return result;
  }

  /** Sends one request; a refused request of several units is split in two halves, each sent on its own. */
  private async send(units: Unit[], result: FlushResult): Promise<void> {
    const items: Item[] = [];
    const removed: string[] = [];
    for (const unit of units) {
      if ("removal" in unit) removed.push(unit.key);
      else items.push(unit.item);
    }
    let answer: Awaited<ReturnType<typeof syncShare>>;
    try {
      answer = await syncShare(this.target.server, this.target.id, this.target.secret, items, removed);
    } catch (error) {
      if (error instanceof ApiError && error.code === "share_too_large") this.full = error;
      if (!(error instanceof ApiError) || !error.refusal) throw error;
      if (!this.requestChecked) {
        // A request refused for its secret or shape would have every item refused one by one: the empty sync,
        // refused the same way, throws that instead.
        await this.probe();
        this.requestChecked = true;
      }
      if (units.length === 1) {
        this.refuse(units[0] as Unit, error.code, error.message, result);
        return;
      }
      const half = Math.ceil(units.length / 2);
      await this.send(units.slice(0, half), result);
      await this.send(units.slice(half), result);
      return;
    }
    this.lastSeq = Math.max(this.lastSeq, answer?.seq ?? 0);
    this.changes++;
    const refusedAt = new Map((answer?.refused ?? []).map((refusal) => [refusal.index, refusal]));
    let index = 0;
    for (const unit of units) {
      if ("removal" in unit) {
        this.acknowledged.delete(unit.key);
        this.full = undefined;
        result.removed++;
        continue;
      }
      const refusal = refusedAt.get(index++);
      if (refusal) {
        this.refuse(unit, refusal.code, refusal.message, result);
        continue;
      }
      this.acknowledged.set(unit.key, unit.hash);
      this.refusedItems.delete(unit.key);
      result.sent++;
    }
  }

  private refuse(unit: Unit, code: string, message: string, result: FlushResult): void {
    this.changes++;
    if ("removal" in unit) {
      // Sending the removal again would be refused again; the item stays on the server.
      this.acknowledged.delete(unit.key);
    } else {
      this.refusedItems.set(unit.key, { hash: unit.hash, code });
    }
    result.refused.push({ key: unit.key, code, message });
  }
}
