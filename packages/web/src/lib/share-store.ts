/**
 * The page's copy of a share: one {@link HeldEntry} per item key, and what the page derives from it (session,
 * messages in id order, parts per message in id order, models, totals).
 *
 * The apply rule is the live-sync guarantee of `@shareroom/shared` (live.ts): an entry replaces what is held for
 * its key only when its `seq` is higher, so a change seen twice (snapshot, then catch-up) is applied once and an
 * older one never wins.
 */
import type { BlobRef, Entry, Item, Removal } from "@shareroom/shared";
import { batch, createMemo, createSignal, type Signal } from "solid-js";
import { byId, num, rec, str } from "./data";
import { countRedactions } from "./redaction";
import {
  computeTotals,
  type FilesChanged,
  filesChanged,
  firstLine,
  isVisiblePart,
  modelNamesOf,
  modelsUsed,
  plainLine,
  type Revert,
  revertedChanges,
  revertOf,
  sumChanges,
  type Totals,
  toolChanges,
} from "./session";

/** What the page holds for one item key. */
export interface HeldEntry {
  /** The seq of the last change of this key the page has applied. */
  seq: number;
  /** The item at `seq`. For an entry stored by reference it is `null` until the blob has loaded. */
  item: Item | null;
  /** For an entry stored by reference whose blob has not loaded: the key's previous item, kept on screen meanwhile. */
  previous: Item | null;
  /** For an entry stored by reference: the blob that holds the item at `seq`. */
  ref: BlobRef | null;
  /** Loading `ref` failed (the page offers a retry). */
  failed: boolean;
}

/** The item to show for a held entry: the one at its seq, else the previous one while that loads. */
export function shownItem(held: HeldEntry | undefined): Item | null {
  return held ? (held.item ?? held.previous) : null;
}

/** One user turn, for the turn index: the user message's id and the first line of what it says. */
export interface Turn {
  messageId: string;
  /** The message's position in {@link ShareStore}'s `messageIds`. */
  index: number;
  /** 1-based. */
  number: number;
  title: string;
}

export type { Totals };

/** The store of one share, with its mutations and derived views. Create inside a Solid owner (a component). */
export type ShareStore = ReturnType<typeof createShareStore>;

/** Whether two id lists hold the same ids in the same order. */
export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Where `id` goes in the sorted `list` (ids are time-ordered, so new ones usually go last). */
function insertionPoint(list: readonly string[], id: string, idOf: (entry: string) => string = (x) => x): number {
  const last = list[list.length - 1];
  if (last === undefined || byId(idOf(last), id) < 0) return list.length;
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (byId(idOf(list[mid]!), id) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The message id and part id a key names (`message/<id>`, `part/<messageID>/<id>`), else `undefined`. */
function keyIds(key: string): { messageId: string; partId?: string } | undefined {
  const [kind, first, second] = key.split("/");
  if (kind === "message" && first) return { messageId: first };
  if (kind === "part" && first && second) return { messageId: first, partId: second };
  return undefined;
}

const partIdOf = (key: string) => key.slice(key.lastIndexOf("/") + 1);

/**
 * A removed key as the share's head and segments carry it (`{key, seq, removed: true}`): the key was deleted at
 * `seq` (the removal extension of a sync, `@shareroom/shared` api.ts). Live, the same arrives as a `removed` message.
 */
export interface Tombstone {
  key: string;
  seq: number;
  removed: true;
}

/** Anything that moves a key to a new seq: a change, or a removal. */
export type StoredEntry = Entry | Tombstone;

/** Whether a stored entry is a removal. */
export function isTombstone(entry: StoredEntry): entry is Tombstone {
  return (entry as Partial<Tombstone>).removed === true;
}

function held(entry: Entry, current: HeldEntry | undefined): HeldEntry {
  if ("item" in entry) return { seq: entry.seq, item: entry.item, previous: null, ref: null, failed: false };
  return { seq: entry.seq, item: null, previous: shownItem(current), ref: entry.ref, failed: false };
}

/**
 * Creates an empty share store. Each item key has a signal of its own holding an immutable {@link HeldEntry}: an
 * item is replaced whole when its key changes (the CLI always sends whole items), so nothing is deep-proxied or
 * deep-copied, and a 20,000-part snapshot is taken in a few milliseconds.
 *
 * The index (message ids in id order, part keys per message in part id order) is kept up to date key by key as keys
 * are added and removed, and published once per mutation: `messageIds` only when the list of ids changed, each
 * message's part keys only when that message's parts changed.
 */
export function createShareStore() {
  // A Map, not an object: item keys come from the wire, and an unknown item type may be named "constructor".
  const held_ = new Map<string, HeldEntry>();
  const cells = new Map<string, Signal<HeldEntry | undefined>>();

  /** Message ids in id order: every message item, and any id that parts point at before their message arrives. */
  const messageList: string[] = [];
  /** How many held keys name each message id (its message key and its part keys). */
  const keysOfMessage = new Map<string, number>();
  /** Part keys per message id, in part id order. */
  const partLists = new Map<string, string[]>();
  const partCells = new Map<string, Signal<readonly string[]>>();
  const [publishedIds, setPublishedIds] = createSignal<readonly string[]>([], { equals: sameIds });
  /** Redaction markers per held key (of the item shown for it), and their sum. */
  const redactionsOf = new Map<string, number>();
  const [redactions, setRedactions] = createSignal(0);
  /** Bumped whenever any part changes: for views over every part that read them untracked. */
  const [partsVersion, setPartsVersion] = createSignal(0);
  let idsDirty = false;
  const partsDirty = new Set<string>();

  function indexKey(key: string, added: boolean): void {
    const ids = keyIds(key);
    if (!ids) return;
    const count = (keysOfMessage.get(ids.messageId) ?? 0) + (added ? 1 : -1);
    if (count > 0) keysOfMessage.set(ids.messageId, count);
    else keysOfMessage.delete(ids.messageId);
    if (added && count === 1) {
      messageList.splice(insertionPoint(messageList, ids.messageId), 0, ids.messageId);
      idsDirty = true;
    } else if (!added && count === 0) {
      const at = insertionPoint(messageList, ids.messageId);
      if (messageList[at] === ids.messageId) messageList.splice(at, 1);
      idsDirty = true;
    }
    if (ids.partId === undefined) return;
    let list = partLists.get(ids.messageId);
    if (!list) {
      list = [];
      partLists.set(ids.messageId, list);
    }
    const at = insertionPoint(list, ids.partId, partIdOf);
    if (added) list.splice(at, 0, key);
    else if (list[at] === key) list.splice(at, 1);
    if (list.length === 0) partLists.delete(ids.messageId);
    partsDirty.add(ids.messageId);
  }

  /**
   * The seq at which each removed key was removed. A change of that key at or below it is older than the removal
   * (an older segment, a catch-up replayed) and never brings the key back; a newer one does. For `message/<id>` the
   * removal also covers that message's parts.
   */
  const removedAt = new Map<string, number>();

  /** Whether `entry` is no newer than a removal of its key (or, for a part, of its message). */
  function removedSince(entry: { key: string; seq: number }): boolean {
    if ((removedAt.get(entry.key) ?? -1) >= entry.seq) return true;
    const ids = keyIds(entry.key);
    return ids?.partId !== undefined && (removedAt.get(`message/${ids.messageId}`) ?? -1) >= entry.seq;
  }

  /** Drops `key` (and a message's parts) for a removal at `seq`; keys changed after `seq` stay. Inside a batch. */
  function dropRemoved(removal: Removal): void {
    removedAt.set(removal.key, Math.max(removedAt.get(removal.key) ?? -1, removal.seq));
    const current = held_.get(removal.key);
    if (current && current.seq < removal.seq) put(removal.key, undefined);
    const ids = keyIds(removal.key);
    if (!ids || ids.partId !== undefined) return;
    for (const key of [...(partLists.get(ids.messageId) ?? [])]) {
      const part = held_.get(key);
      if (part && part.seq < removal.seq) put(key, undefined);
    }
  }

  /** Publishes the index changes of the current mutation (inside its batch). */
  function publishIndex(): void {
    if (idsDirty) setPublishedIds([...messageList]);
    idsDirty = false;
    for (const messageId of partsDirty) partCells.get(messageId)?.[1]([...(partLists.get(messageId) ?? [])]);
    partsDirty.clear();
  }

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

  /** What is held under `key`, untracked (for loaders, which must not subscribe whoever calls them). */
  function peek(key: string): HeldEntry | undefined {
    return held_.get(key);
  }

  /** Called with every key whose shown item changed (see {@link subscribe}). */
  const listeners = new Set<(key: string, item: Item | null) => void>();

  /** Stores `next` under `key` (or forgets the key), keeps the index and notifies whoever reads it. */
  function put(key: string, next: HeldEntry | undefined): void {
    for (const listener of listeners) listener(key, shownItem(next));
    if (key.startsWith("part/")) setPartsVersion((version) => version + 1);
    const had = held_.has(key);
    if (next === undefined) held_.delete(key);
    else held_.set(key, next);
    if (had !== (next !== undefined)) indexKey(key, !had);
    const markers = countRedactions(shownItem(next));
    const before = redactionsOf.get(key) ?? 0;
    if (markers > 0) redactionsOf.set(key, markers);
    else redactionsOf.delete(key);
    if (markers !== before) setRedactions((total) => total + markers - before);
    cells.get(key)?.[1](next);
  }

  /**
   * Applies entries (a `changes` message, a snapshot, or a head's tail or a segment on top of what is held): each
   * replaces its key's entry when its seq is higher, and a {@link Tombstone} drops its key (see {@link remove}), so
   * entries may come in any order. Returns the applied entries stored by reference, whose items must be loaded and
   * passed to {@link resolve}.
   */
  function apply(entries: readonly StoredEntry[]): Extract<Entry, { ref: BlobRef }>[] {
    const toLoad: Extract<Entry, { ref: BlobRef }>[] = [];
    batch(() => {
      for (const entry of entries) {
        if (isTombstone(entry)) {
          dropRemoved(entry);
          continue;
        }
        const current = held_.get(entry.key);
        if ((current && current.seq >= entry.seq) || removedSince(entry)) continue;
        put(entry.key, held(entry, current));
        if ("ref" in entry) toLoad.push(entry);
      }
      publishIndex();
    });
    return toLoad;
  }

  /**
   * Replaces everything held with a snapshot (after a `reset`, when the share may have moved backwards).
   * Entries already held at the same seq are kept (with their loaded item, or their pending or failed load).
   * Returns the entries stored by reference whose item at that seq is not held.
   */
  function replace(entries: readonly Entry[]): Extract<Entry, { ref: BlobRef }>[] {
    const toLoad: Extract<Entry, { ref: BlobRef }>[] = [];
    const seen = new Set<string>();
    // A snapshot never holds removed keys and is the whole share at its seq: earlier removals say nothing more.
    removedAt.clear();
    batch(() => {
      for (const entry of entries) {
        seen.add(entry.key);
        const current = held_.get(entry.key);
        if (current && current.seq === entry.seq) {
          if (current.item !== null || !("ref" in entry)) continue;
          // Still loading, or failed: a failed load is tried again, as for any entry this snapshot brings.
          if (current.failed) put(entry.key, { ...current, failed: false });
          toLoad.push(entry);
          continue;
        }
        put(entry.key, held(entry, current));
        if ("ref" in entry) toLoad.push(entry);
      }
      for (const key of [...held_.keys()]) if (!seen.has(key)) put(key, undefined);
      publishIndex();
    });
    return toLoad;
  }

  /**
   * Applies removals (a live `removed` message): each key is dropped unless it changed after its removal's seq;
   * removing `message/<id>` drops that message's parts too. A removal is remembered, so an older change of the key
   * arriving later is ignored.
   */
  function remove(removals: readonly Removal[]): void {
    batch(() => {
      for (const removal of removals) dropRemoved(removal);
      publishIndex();
    });
  }

  /** Sets the loaded item of a ref entry, unless the key has moved on to a newer seq meanwhile. */
  function resolve(key: string, seq: number, item: Item): void {
    const current = held_.get(key);
    if (current?.seq !== seq) return;
    put(key, { ...current, item, previous: null, failed: false });
  }

  /** Marks a ref entry's load as failed (the page offers a retry), unless the key has moved on. */
  function fail(key: string, seq: number): void {
    const current = held_.get(key);
    if (current?.seq !== seq || current.item !== null) return;
    put(key, { ...current, failed: true });
  }

  /** Clears a failed mark before a new attempt to load the entry at `seq`, unless the key has moved on. */
  function retrying(key: string, seq: number): void {
    const current = held_.get(key);
    if (current?.seq !== seq || !current.failed) return;
    put(key, { ...current, failed: false });
  }

  /** Forgets everything (the share was deleted: its content should no longer be on screen). */
  function clear(): void {
    batch(() => {
      for (const key of [...held_.keys()]) put(key, undefined);
      publishIndex();
    });
  }

  /** Message ids of every session in the share (its own and subagents'), in id order. */
  const allMessageIds = createMemo(() => publishedIds(), undefined, { equals: sameIds });

  /** The part keys of message `messageId`, in part id order (tracked per message). */
  function partKeys(messageId: string): readonly string[] {
    let found = partCells.get(messageId);
    if (!found) {
      found = createSignal<readonly string[]>([...(partLists.get(messageId) ?? [])], { equals: sameIds });
      partCells.set(messageId, found);
    }
    return found[0]();
  }

  /** The data of the item held under `key` when it is of `type`, else `undefined`. */
  function dataOf(key: string, type: string): Record<string, unknown> | undefined {
    const item = shownItem(entry(key));
    return item?.type === type ? rec(item.data) : undefined;
  }

  /** The data of a non-keyed item (`model`, `session_diff`), which is an array, not an object. */
  function dataOfAny(key: string, type: string): unknown {
    const item = shownItem(entry(key));
    return item?.type === type ? item.data : undefined;
  }

  const session = createMemo(() => dataOf("session", "session"));

  /** Model display names by `<providerID>/<modelID>`, from the `model` item. */
  const modelNames = createMemo(() => modelNamesOf(dataOfAny("model", "model")));

  /** The data of every message item of every session, in id order (`undefined` while a message has not arrived). */
  const allMessages = createMemo(() => allMessageIds().map((id) => dataOf(`message/${id}`, "message")));

  /**
   * The child session a message belongs to, or `undefined` for the share's own session: `shareroom share` shares
   * a subagent's session inside its parent's share, its messages carrying the child's `sessionID`.
   */
  const childSessionOf = (message: Record<string, unknown> | undefined): string | undefined => {
    const own = str(message?.sessionID);
    const root = str(session()?.id);
    return own && root && own !== root ? own : undefined;
  };

  /**
   * Message ids of the share's own session in id order (a new array only when the ids changed): the timeline.
   * Subagents' messages are shown under the task that started them ({@link childMessageIds}).
   */
  const messageIds = createMemo(
    () => {
      const ids = allMessageIds();
      const datas = allMessages();
      return datas.some((message) => childSessionOf(message)) ? ids.filter((_, i) => !childSessionOf(datas[i])) : ids;
    },
    undefined,
    { equals: sameIds },
  );

  /** Message ids of child session `sessionId` (a subagent's), in id order. */
  function childMessageIds(sessionId: string): string[] {
    const datas = allMessages();
    return allMessageIds().filter((_, i) => str(datas[i]?.sessionID) === sessionId);
  }

  /** The data of the share's own messages, in {@link messageIds} order. */
  const messages = createMemo(() => messageIds().map((id) => dataOf(`message/${id}`, "message")));

  /** Cost and tokens of every session of the share, subagents' included (see `computeTotals`). */
  const totals = createMemo((): Totals => computeTotals(allMessages(), session()));

  /** Display names of the models used, in order of first use. */
  const models = createMemo(() => modelsUsed(allMessages(), session(), modelNames()));

  /** Where the session was reverted (`/undo`), if it was; see `revertOf`. */
  const revert = createMemo((): Revert | undefined => revertOf(session()), undefined, {
    equals: (a, b) => a?.messageID === b?.messageID && a?.partID === b?.partID && a?.diff === b?.diff,
  });

  /** Message ids from the revert's message on (in id order), or `[]` when the session is not reverted. */
  const revertedIds = createMemo(
    () => {
      const at = revert()?.messageID;
      if (at === undefined) return [] as readonly string[];
      const ids = messageIds();
      return ids.slice(insertionPoint(ids, at));
    },
    undefined,
    { equals: sameIds },
  );

  /**
   * Files changed by the share (`session_diff`, else the user messages' per-turn diffs, else what the tool calls
   * changed: `toolChanges`, read only when neither has any), reverted turns left out.
   */
  const files = createMemo((): FilesChanged => {
    const found = filesChanged(
      dataOfAny("session_diff", "session_diff"),
      messages().filter((message) => message?.role === "user"),
      revert(),
    );
    if (found.files.length > 0) return found;
    // One signal for all parts, read untracked: 20,000 subscriptions renewed on every change cost more than the sum.
    partsVersion();
    const reverted = new Set(revertedIds());
    const kept = messageIds().filter((id) => !reverted.has(id));
    const parts = kept.flatMap((id) => (partLists.get(id) ?? []).map((key) => shownItem(held_.get(key))));
    return sumChanges(toolChanges(parts.map((item) => (item?.type === "part" ? rec(item.data) : undefined))));
  });

  /** What the revert undid (see `revertedChanges`), or `undefined` when the session is not reverted. */
  const reverted = createMemo((): FilesChanged | undefined => {
    const at = revert();
    if (!at) return undefined;
    return revertedChanges(
      dataOfAny("session_diff", "session_diff"),
      messages().filter((message) => message?.role === "user"),
      at,
    );
  });

  /** The user turns in order, each with the first line of its first visible text part. */
  const turns = createMemo((): Turn[] => {
    const list: Turn[] = [];
    const ids = messageIds();
    messages().forEach((message, i) => {
      if (message?.role !== "user") return;
      const id = ids[i]!;
      let title = "";
      for (const key of partKeys(id)) {
        const part = dataOf(key, "part");
        if (part?.type === "text" && isVisiblePart(part)) {
          title = plainLine(firstLine(str(part.text) ?? ""));
          break;
        }
      }
      list.push({ messageId: id, index: i, number: list.length + 1, title: title || "(no text)" });
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
    for (const [messageId, keys] of partLists) {
      if (keys.some((key) => key.endsWith(`/${partId}`))) return messageId;
    }
    return undefined;
  }

  /**
   * Every held item in key order, as `GET /api/share/:id/data` answers (for export): what the page shows, so a key
   * whose newer item is still loading gives its previous one, and items never loaded are left out.
   */
  function items(): Item[] {
    return [...held_.keys()]
      .sort()
      .map((key) => shownItem(held_.get(key)))
      .filter((item): item is Item => item !== null);
  }

  /**
   * Calls `listener(key, item)` for every change of what is shown under a key from now on (`null`: nothing, the key
   * was forgotten or its item is still loading), synchronously inside the mutation; for consumers outside Solid's
   * graph (the search worker), which would otherwise have to diff the whole share. Returns the unsubscribe.
   */
  function subscribe(listener: (key: string, item: Item | null) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  return {
    subscribe,
    entry,
    peek,
    apply,
    remove,
    replace,
    resolve,
    fail,
    retrying,
    clear,
    messageIds,
    childMessageIds,
    partKeys,
    dataOf,
    dataOfAny,
    session,
    modelNames,
    messages,
    totals,
    models,
    files,
    revert,
    revertedIds,
    reverted,
    turns,
    updatedAt,
    working,
    /** How many secrets the share's items show as removed (redaction markers in the items held). */
    redactions,
    messageOfPart,
    items,
    /** A number bumped whenever any part changes (tracked): for whoever waits for a part to arrive. */
    partsVersion,
  };
}
