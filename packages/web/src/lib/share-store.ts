/**
 * The page's copy of a share: one {@link HeldEntry} per item key, and what the page derives from it (session,
 * messages in id order, parts per message in id order, models, totals).
 *
 * The apply rule is the live-sync guarantee of `@shareroom/shared` (live.ts): an entry replaces what is held for
 * its key only when its `seq` is higher, so a change seen twice (snapshot, then catch-up) is applied once and an
 * older one never wins.
 */
import type { BlobRef, Entry, Item } from "@shareroom/shared";
import { batch, createMemo, createSignal, type Signal } from "solid-js";
import { byId, num, rec, str } from "./data";
import {
  computeTotals,
  type FilesChanged,
  filesChanged,
  firstLine,
  isVisiblePart,
  modelNamesOf,
  modelsUsed,
  type Totals,
} from "./session";

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

/** One user turn, for the turn index: the user message's id and the first line of what it says. */
export interface Turn {
  messageId: string;
  /** 1-based. */
  number: number;
  title: string;
}

export type { Totals };

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

/**
 * Creates an empty share store. Each item key has a signal of its own holding an immutable {@link HeldEntry}: an
 * item is replaced whole when its key changes (the CLI always sends whole items), so nothing is deep-proxied or
 * deep-copied, and a 20,000-part snapshot is taken in a few milliseconds.
 */
export function createShareStore() {
  // A Map, not an object: item keys come from the wire, and an unknown item type may be named "constructor".
  const held_ = new Map<string, HeldEntry>();
  const cells = new Map<string, Signal<HeldEntry | undefined>>();
  /** Bumped when keys are added or removed (the index depends on it, not on every change of every item). */
  const [keyVersion, setKeyVersion] = createSignal(0);

  function cell(key: string): Signal<HeldEntry | undefined> {
    let found = cells.get(key);
    if (!found) {
      found = createSignal<HeldEntry | undefined>(held_.get(key), { equals: false });
      cells.set(key, found);
    }
    return found;
  }

  /** What is held under `key` (tracked: a computation reading it reruns when the key changes). */
  function entry(key: string): HeldEntry | undefined {
    return cell(key)[0]();
  }

  /** Stores `next` under `key` (or forgets the key) and notifies whoever reads it. Returns whether it was new. */
  function put(key: string, next: HeldEntry | undefined): boolean {
    const added = next !== undefined && !held_.has(key);
    const removed = next === undefined && held_.has(key);
    if (next === undefined) held_.delete(key);
    else held_.set(key, next);
    cells.get(key)?.[1](next);
    return added || removed;
  }

  /**
   * Applies entries (a `changes` message, or a snapshot on top of what is held): each replaces its key's entry
   * when its seq is higher. Returns the applied entries stored by reference, whose items must be loaded and passed
   * to {@link resolve}.
   */
  function apply(entries: readonly Entry[]): Extract<Entry, { ref: BlobRef }>[] {
    const toLoad: Extract<Entry, { ref: BlobRef }>[] = [];
    let keysChanged = false;
    batch(() => {
      for (const entry of entries) {
        const current = held_.get(entry.key);
        if (current && current.seq >= entry.seq) continue;
        if (put(entry.key, held(entry, current))) keysChanged = true;
        if ("ref" in entry) toLoad.push(entry);
      }
      if (keysChanged) setKeyVersion((version) => version + 1);
    });
    return toLoad;
  }

  /**
   * Replaces everything held with a snapshot (after a `reset`, when the share may have moved backwards).
   * Entries already loaded at the same seq are kept. Returns the entries stored by reference still to load.
   */
  function replace(entries: readonly Entry[]): Extract<Entry, { ref: BlobRef }>[] {
    const toLoad: Extract<Entry, { ref: BlobRef }>[] = [];
    const seen = new Set<string>();
    batch(() => {
      for (const entry of entries) {
        seen.add(entry.key);
        const current = held_.get(entry.key);
        if (current && current.seq === entry.seq && current.item) continue;
        put(entry.key, held(entry, undefined));
        if ("ref" in entry) toLoad.push(entry);
      }
      for (const key of [...held_.keys()]) if (!seen.has(key)) put(key, undefined);
      setKeyVersion((version) => version + 1);
    });
    return toLoad;
  }

  /** Sets the loaded item of a ref entry, unless the key has moved on to a newer seq meanwhile. */
  function resolve(key: string, seq: number, item: Item): void {
    const current = held_.get(key);
    if (current?.seq !== seq) return;
    put(key, { ...current, item, failed: false });
  }

  /** Marks a ref entry's load as failed (the page offers a retry), unless the key has moved on. */
  function fail(key: string, seq: number): void {
    const current = held_.get(key);
    if (current?.seq !== seq) return;
    put(key, { ...current, failed: true });
  }

  /** Forgets everything (the share was deleted: its content should no longer be on screen). */
  function clear(): void {
    batch(() => {
      for (const key of [...held_.keys()]) put(key, undefined);
      setKeyVersion((version) => version + 1);
    });
  }

  const index = createMemo(
    () => {
      keyVersion();
      return buildIndex([...held_.keys()]);
    },
    undefined,
    { equals: sameIndex },
  );

  /** The data of the item held under `key` when it is of `type`, else `undefined`. */
  function dataOf(key: string, type: string): Record<string, unknown> | undefined {
    const item = entry(key)?.item;
    return item?.type === type ? rec(item.data) : undefined;
  }

  /** The data of a non-keyed item (`model`, `session_diff`), which is an array, not an object. */
  function dataOfAny(key: string, type: string): unknown {
    const item = entry(key)?.item;
    return item?.type === type ? item.data : undefined;
  }

  const session = createMemo(() => dataOf("session", "session"));

  /** Model display names by `<providerID>/<modelID>`, from the `model` item. */
  const modelNames = createMemo(() => modelNamesOf(dataOfAny("model", "model")));

  /** The data of every message item, in id order (`undefined` for ids whose message has not arrived). */
  const messages = createMemo(() => index().messageIds.map((id) => dataOf(`message/${id}`, "message")));

  /** Cost and tokens (see `computeTotals`). */
  const totals = createMemo((): Totals => computeTotals(messages(), session()));

  /** Display names of the models used, in order of first use. */
  const models = createMemo(() => modelsUsed(messages(), session(), modelNames()));

  /** Files changed by the share (`session_diff`, else the user messages' per-turn diffs). */
  const files = createMemo(
    (): FilesChanged =>
      filesChanged(
        dataOfAny("session_diff", "session_diff"),
        messages().filter((message) => message?.role === "user"),
      ),
  );

  /** The user turns in order, each with the first line of its first visible text part. */
  const turns = createMemo((): Turn[] => {
    const list: Turn[] = [];
    const ids = index().messageIds;
    messages().forEach((message, i) => {
      if (message?.role !== "user") return;
      const id = ids[i]!;
      let title = "";
      for (const key of index().partKeys.get(id) ?? []) {
        const part = dataOf(key, "part");
        if (part?.type === "text" && isVisiblePart(part)) {
          title = firstLine(str(part.text) ?? "");
          break;
        }
      }
      list.push({ messageId: id, number: list.length + 1, title: title || "(no text)" });
    });
    return list;
  });

  /** The last time anything in the share changed, as the session item says (Unix ms). */
  const updatedAt = createMemo(() => num(rec(session()?.time)?.updated));

  /**
   * Whether the agent is mid-turn: the last message is an assistant message without `time.completed` or error.
   * (A CLI that exits before its last batch leaves exactly that behind; callers also look at {@link updatedAt}.)
   */
  const working = createMemo(() => {
    const list = messages();
    const last = list[list.length - 1];
    return last?.role === "assistant" && num(rec(last.time)?.completed) === undefined && !last.error;
  });

  /** The message id a part id belongs to (for deep links to `#prt_…`), or `undefined`. */
  function messageOfPart(partId: string): string | undefined {
    for (const [messageId, keys] of index().partKeys) {
      if (keys.some((key) => key.endsWith(`/${partId}`))) return messageId;
    }
    return undefined;
  }

  /** Every held item in key order, as `GET /api/share/:id/data` answers (for export); items not loaded are left out. */
  function items(): Item[] {
    return [...held_.keys()]
      .sort()
      .map((key) => held_.get(key)!.item)
      .filter((item): item is Item => item !== null);
  }

  return {
    entry,
    apply,
    replace,
    resolve,
    fail,
    clear,
    index,
    dataOf,
    session,
    modelNames,
    messages,
    totals,
    models,
    files,
    turns,
    updatedAt,
    working,
    messageOfPart,
    items,
  };
}
