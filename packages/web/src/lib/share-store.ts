/**
 * The page's copy of a share: one {@link HeldEntry} per item key, and what the page derives from it (session,
 * messages in id order, parts per message in id order, models, totals).
 *
 * The apply rule is the live-sync guarantee of `@shareroom/shared` (live.ts): an entry replaces what is held for
 * its key only when its `seq` is higher, so a change seen twice (snapshot, then catch-up) is applied once and an
 * older one never wins.
 */
import type { BlobRef, Entry, Item } from "@shareroom/shared";
import { batch, createMemo } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import { arr, byId, num, rec, str } from "./data";

/** What the page holds for one item key. */
export interface HeldEntry {
  /** The seq of the last change of this key the page has applied. */
  seq: number;
  /**
   * The item. For an entry stored by reference it is `null` until the blob has loaded, or the previous item of the
   * key, kept on screen while the newer one loads.
   */
  item: Item | null;
  /** For an entry stored by reference: the blob that holds the item at `seq`. */
  ref: BlobRef | null;
  /** Loading `ref` failed. */
  failed: boolean;
}

/** Where everything is, from the item keys alone (keys carry the ids: `message/<id>`, `part/<messageID>/<id>`). */
export interface ShareIndex {
  /** Message ids in id order: every message item, and any id that parts point at before their message arrives. */
  messageIds: string[];
  /** Part keys per message id, in part id order. */
  partKeys: Map<string, string[]>;
}

/** Totals over the share's assistant messages (USD, tokens). */
export interface Totals {
  cost: number;
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
}

/** The store of one share, with its mutations and derived views. Create inside a Solid owner (a component). */
export type ShareStore = ReturnType<typeof createShareStore>;

function buildIndex(keys: string[]): ShareIndex {
  const messages = new Set<string>();
  const parts = new Map<string, { id: string; key: string }[]>();
  for (const key of keys) {
    const [kind, first, second] = key.split("/");
    if (kind === "message" && first) messages.add(first);
    else if (kind === "part" && first && second) {
      messages.add(first);
      const list = parts.get(first) ?? [];
      list.push({ id: second, key });
      parts.set(first, list);
    }
  }
  const partKeys = new Map<string, string[]>();
  for (const [messageId, list] of parts) {
    partKeys.set(
      messageId,
      list.sort((a, b) => byId(a.id, b.id)).map((part) => part.key),
    );
  }
  return { messageIds: [...messages].sort(byId), partKeys };
}

function sameIndex(a: ShareIndex, b: ShareIndex): boolean {
  if (a.messageIds.length !== b.messageIds.length || a.partKeys.size !== b.partKeys.size) return false;
  if (a.messageIds.some((id, i) => id !== b.messageIds[i])) return false;
  for (const [messageId, keys] of a.partKeys) {
    const other = b.partKeys.get(messageId);
    if (!other || other.length !== keys.length || keys.some((key, i) => key !== other[i])) return false;
  }
  return true;
}

function held(entry: Entry, previous: HeldEntry | undefined): HeldEntry {
  if ("item" in entry) return { seq: entry.seq, item: entry.item, ref: null, failed: false };
  return { seq: entry.seq, item: previous?.item ?? null, ref: entry.ref, failed: false };
}

/** Creates an empty share store. */
export function createShareStore() {
  // No prototype: item keys come from the wire, and an unknown item type may be named "constructor" or "toString".
  const [state, setState] = createStore<{ entries: Record<string, HeldEntry> }>({
    entries: Object.create(null) as Record<string, HeldEntry>,
  });

  /**
   * Applies entries (a `changes` message, or a snapshot on top of what is held): each replaces its key's entry
   * when its seq is higher. Returns the applied entries stored by reference, whose items must be loaded and passed
   * to {@link resolve}.
   */
  function apply(entries: readonly Entry[]): Extract<Entry, { ref: BlobRef }>[] {
    const toLoad: Extract<Entry, { ref: BlobRef }>[] = [];
    batch(() => {
      for (const entry of entries) {
        const current = state.entries[entry.key];
        if (current && current.seq >= entry.seq) continue;
        const next = held(entry, current);
        // reconcile keeps the unchanged parts of an item (and their DOM) when a key changes again.
        if (current) setState("entries", entry.key, reconcile(next));
        else setState("entries", entry.key, next);
        if ("ref" in entry) toLoad.push(entry);
      }
    });
    return toLoad;
  }

  /**
   * Replaces everything held with a snapshot (after a `reset`, when the share may have moved backwards).
   * Entries already loaded at the same seq are kept. Returns the entries stored by reference still to load.
   */
  function replace(entries: readonly Entry[]): Extract<Entry, { ref: BlobRef }>[] {
    const next = Object.create(null) as Record<string, HeldEntry>;
    const toLoad: Extract<Entry, { ref: BlobRef }>[] = [];
    for (const entry of entries) {
      const current = state.entries[entry.key];
      if (current && current.seq === entry.seq && current.item) {
        next[entry.key] = { seq: current.seq, item: current.item, ref: current.ref, failed: false };
        continue;
      }
      next[entry.key] = held(entry, undefined);
      if ("ref" in entry) toLoad.push(entry);
    }
    // key: null: entries are matched by item key, never by an `id` field (an unknown item type may be named "id").
    setState("entries", reconcile(next, { key: null }));
    return toLoad;
  }

  /** Sets the loaded item of a ref entry, unless the key has moved on to a newer seq meanwhile. */
  function resolve(key: string, seq: number, item: Item): void {
    if (state.entries[key]?.seq !== seq) return;
    setState("entries", key, { item, failed: false });
  }

  /** Marks a ref entry's load as failed (the page offers a retry), unless the key has moved on. */
  function fail(key: string, seq: number): void {
    if (state.entries[key]?.seq !== seq) return;
    setState("entries", key, "failed", true);
  }

  /** Forgets everything (the share was deleted: its content should no longer be on screen). */
  function clear(): void {
    setState("entries", reconcile({}, { key: null }));
  }

  const index = createMemo(() => buildIndex(Object.keys(state.entries)), undefined, { equals: sameIndex });

  /** The data of the item held under `key` when it is of `type`, else `undefined`. */
  function dataOf(key: string, type: string): Record<string, unknown> | undefined {
    const item = state.entries[key]?.item;
    return item?.type === type ? rec(item.data) : undefined;
  }

  const session = createMemo(() => dataOf("session", "session"));

  /** Model display names by `<providerID>/<modelID>`, from the `model` item. */
  const modelNames = createMemo(() => {
    const names = new Map<string, string>();
    const item = state.entries.model?.item;
    if (item?.type !== "model") return names;
    for (const model of arr(item.data)) {
      const data = rec(model);
      const id = str(data?.id);
      const name = str(data?.name);
      if (id && name) names.set(`${str(data?.providerID) ?? ""}/${id}`, name);
    }
    return names;
  });

  /**
   * Cost and tokens summed over assistant messages; the session's own totals when no message has any. Messages
   * win because the session item can be stale (the CLI may exit before its last batch, protocol reference §1).
   */
  const totals = createMemo((): Totals => {
    const sum: Totals = { cost: 0, input: 0, output: 0, reasoning: 0, cacheRead: 0 };
    let counted = false;
    for (const id of index().messageIds) {
      const message = dataOf(`message/${id}`, "message");
      if (message?.role !== "assistant") continue;
      const tokens = rec(message.tokens);
      const cost = num(message.cost);
      if (cost === undefined && !tokens) continue;
      counted = true;
      sum.cost += cost ?? 0;
      sum.input += num(tokens?.input) ?? 0;
      sum.output += num(tokens?.output) ?? 0;
      sum.reasoning += num(tokens?.reasoning) ?? 0;
      sum.cacheRead += num(rec(tokens?.cache)?.read) ?? 0;
    }
    if (counted) return sum;
    const data = session();
    const tokens = rec(data?.tokens);
    return {
      cost: num(data?.cost) ?? 0,
      input: num(tokens?.input) ?? 0,
      output: num(tokens?.output) ?? 0,
      reasoning: num(tokens?.reasoning) ?? 0,
      cacheRead: num(rec(tokens?.cache)?.read) ?? 0,
    };
  });

  return {
    /** Everything held, by item key (a Solid store: read it inside tracking scopes). */
    get entries(): Readonly<Record<string, HeldEntry>> {
      return state.entries;
    },
    apply,
    replace,
    resolve,
    fail,
    clear,
    index,
    dataOf,
    session,
    modelNames,
    totals,
  };
}
