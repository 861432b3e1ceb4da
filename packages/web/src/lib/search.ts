/**
 * Find in a share: the page side of the search worker (search.worker.ts). Feeds the worker every shown message and
 * part (in slices, so loading a 20,000-part share never blocks the page for long), then every change as it arrives,
 * and asks it for searches. Must run inside a Solid owner; the worker ends with it.
 */
import type { Item } from "@shareroom/shared";
import { createSignal, onCleanup } from "solid-js";
import { type SearchDoc, type SearchFilter, type SearchRequest, type SearchResponse, searchDoc } from "./search-index";
import type { ShareStore } from "./share-store";

/** Items turned into documents per slice of the first feed: a few ms of work each, well under a 50 ms long task. */
const FEED_SLICE = 1_000;

/** The answer to the latest search, as the page shows it. */
export type SearchResult = Omit<SearchResponse, "type" | "id">;

const EMPTY: SearchResult = { query: "", hits: [], total: 0, tools: [], ms: 0, partial: false };

function docOrKey(key: string, item: Item | null): SearchDoc | string {
  return (item && searchDoc(item)) || key;
}

/**
 * Starts indexing `store` in a worker. Returns `search(query, filter)` (answered through `result`, which always
 * holds the answer to the latest search; a newer search or an index change makes an older answer obsolete), and
 * `indexed`, true once the whole share as loaded is in the index.
 */
export function createSearch(store: ShareStore) {
  const worker = new Worker(new URL("./search.worker.ts", import.meta.url), { type: "module" });
  const [result, setResult] = createSignal<SearchResult>(EMPTY);
  const [indexed, setIndexed] = createSignal(false);
  let latest = 0;
  let current: { query: string; filter: SearchFilter } | undefined;
  let feeding = true;
  let flushQueued = false;
  /** Changes not yet sent: the newest shown item per key (`null`: nothing shown). */
  const changed = new Map<string, Item | null>();

  const send = (request: SearchRequest) => worker.postMessage(request);

  const ask = () => {
    if (!current) return;
    send({ type: "search", id: ++latest, query: current.query, filter: current.filter });
  };

  worker.onmessage = (event: MessageEvent<SearchResponse>) => {
    const { type: _type, id, ...answer } = event.data;
    if (id === latest) setResult(answer);
  };

  /** Sends the changes collected since the last flush (never during the first feed, which they must follow). */
  const flush = () => {
    flushQueued = false;
    if (feeding || changed.size === 0) return;
    const docs: SearchDoc[] = [];
    const keys: string[] = [];
    for (const [key, item] of changed) {
      const doc = docOrKey(key, item);
      if (typeof doc === "string") keys.push(doc);
      else docs.push(doc);
    }
    changed.clear();
    if (keys.length > 0) send({ type: "remove", keys });
    if (docs.length > 0) send({ type: "put", docs });
    // The answer on screen no longer counts what just changed.
    ask();
  };

  const unsubscribe = store.subscribe((key, item) => {
    if (!key.startsWith("part/") && !key.startsWith("message/")) return;
    changed.set(key, item);
    if (!flushQueued) {
      flushQueued = true;
      setTimeout(flush, 0);
    }
  });

  // What is held when feeding starts (after the page's first render, never during it), fed in slices between which
  // the page stays responsive.
  let items: Item[] = [];
  let next = 0;
  const feed = () => {
    if (disposed) return;
    const docs: SearchDoc[] = [];
    for (const end = Math.min(next + FEED_SLICE, items.length); next < end; next++) {
      const doc = searchDoc(items[next]!);
      if (doc) docs.push(doc);
    }
    if (docs.length > 0) send({ type: "put", docs });
    if (next < items.length) {
      setTimeout(feed, 0);
      return;
    }
    feeding = false;
    setIndexed(true);
    flush();
    ask();
  };
  let disposed = false;
  // After the next frame has been painted.
  requestAnimationFrame(() =>
    setTimeout(() => {
      items = store.items();
      feed();
    }, 0),
  );

  onCleanup(() => {
    disposed = true;
    unsubscribe();
    worker.terminate();
  });

  return {
    result,
    indexed,
    /** Searches for `query` (case-insensitive substring) among the documents `filter` allows; blank clears. */
    search(query: string, filter: SearchFilter = {}) {
      current = { query, filter };
      ask();
    },
  };
}

/** What {@link createSearch} returns. */
export type ShareSearch = ReturnType<typeof createSearch>;
