/**
 * The share's find index: one searchable document per message and per shown part, and a case-insensitive substring
 * scan over them. Substring, not tokens or fuzzy ranking: this replaces the browser's Ctrl+F, which the virtualized
 * timeline defeats, so it must find exactly what Ctrl+F would (part of a word, a path, `foo.bar(`, any script), and
 * count every occurrence. A linear scan of 20,000 parts (tens of MB) takes a few ms in a worker, so an inverted index
 * (minisearch, flexsearch) would buy nothing and would not find substrings across token boundaries.
 *
 * Pure: used by the search worker (search.worker.ts) and by the unit tests.
 */
import type { Item } from "@shareroom/shared";
import { arr, byId, rec, str } from "./data";
import { isVisiblePart } from "./session";

/** What can be searched of one message or part. */
export interface SearchDoc {
  /** The item key (`message/<id>`, `part/<messageID>/<id>`). */
  key: string;
  messageId: string;
  /** The part id; `undefined` for the message's own document (its error, the files its turn changed). */
  partId?: string;
  /** `user` / `assistant` for a message document; parts take their message's role in the index. */
  role?: string;
  /** The tool's name, for a tool part. */
  tool?: string;
  /** A tool that failed, or a message that ended in an error. */
  error: boolean;
  /** Everything searchable, joined by newlines (as found, not lowercased). */
  text: string;
}

/** Which documents a search looks in. */
export interface SearchFilter {
  role?: "user" | "assistant";
  /** Only tool calls of this tool. */
  tool?: string;
  /** Only failed tools and messages that ended in an error. */
  errors?: boolean;
}

/** One document that matches, in timeline order, with how often the query occurs in it. */
export interface SearchHit {
  key: string;
  messageId: string;
  partId?: string;
  count: number;
}

/** Every string in `value` (nested objects and arrays too), depth-first; numbers and booleans as text. */
function strings(value: unknown, out: string[], depth = 0): void {
  if (depth > 8) return;
  if (typeof value === "string") out.push(value);
  else if (typeof value === "number" || typeof value === "boolean") out.push(String(value));
  else if (Array.isArray(value)) for (const entry of value) strings(entry, out, depth + 1);
  else if (value !== null && typeof value === "object") {
    for (const entry of Object.values(value)) strings(entry, out, depth + 1);
  }
}

/** A file's name and source path, never its content (a `data:` URL of an attachment is bytes, not text). */
function fileText(file: Record<string, unknown>, out: string[]): void {
  for (const field of [file.filename, rec(file.source)?.path]) if (str(field)) out.push(str(field)!);
  const url = str(file.url);
  if (url && !url.startsWith("data:")) out.push(url);
}

/**
 * The search document of an item, or `undefined` for items the timeline does not show (session, model, hidden
 * parts). Text and reasoning parts give their text; tools their name, title, every string of their input, output,
 * error and attachments' names; files their name and path; subtasks their agent, description and prompt; messages
 * their error and the files their turn changed.
 */
export function searchDoc(item: Item): SearchDoc | undefined {
  const data = rec(item.data);
  if (!data) return undefined;
  const id = str(data.id);
  if (!id) return undefined;
  if (item.type === "message") {
    const out: string[] = [];
    const error = rec(data.error);
    if (error) strings([error.name, rec(error.data)?.message, error.message], out);
    for (const diff of arr(rec(data.summary)?.diffs)) {
      const file = str(rec(diff)?.file);
      if (file) out.push(file);
    }
    return {
      key: `message/${id}`,
      messageId: id,
      role: str(data.role),
      error: error !== undefined,
      text: out.join("\n"),
    };
  }
  if (item.type !== "part" || !isVisiblePart(data)) return undefined;
  const messageId = str(data.messageID);
  if (!messageId) return undefined;
  const type = str(data.type);
  const out: string[] = [];
  let tool: string | undefined;
  let error = false;
  if (type === "text" || type === "reasoning") out.push(str(data.text) ?? "");
  else if (type === "tool") {
    tool = str(data.tool);
    const state = rec(data.state) ?? {};
    error = state.status === "error";
    strings([tool, state.title, state.input, state.output, state.error], out);
    for (const file of arr(state.attachments)) if (rec(file)) fileText(rec(file)!, out);
  } else if (type === "file") fileText(data, out);
  else if (type === "subtask") strings([data.agent, data.description, data.prompt], out);
  else strings(data.text ?? data.name, out);
  return { key: `part/${messageId}/${id}`, messageId, partId: id, tool, error, text: out.join("\n") };
}

/** Occurrences of `needle` in `haystack` (both already lowercased), non-overlapping, as Ctrl+F counts them. */
export function countOccurrences(haystack: string, needle: string): number {
  if (needle === "") return 0;
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Lowercases for case-insensitive matching; `toLocaleLowerCase` would vary by the reader's locale. */
export const fold = (text: string) => text.toLowerCase();

interface Indexed extends SearchDoc {
  folded: string;
}

/**
 * The documents of one share, kept up to date key by key, searched by {@link SearchIndex.search}. Documents are
 * sorted into timeline order (message id, then the message's own document, then part id) lazily, on the first search
 * after a change.
 */
export class SearchIndex {
  private readonly docs = new Map<string, Indexed>();
  private readonly roles = new Map<string, string>();
  private order: Indexed[] = [];
  private dirty = false;

  /** Adds or replaces documents. */
  put(docs: readonly SearchDoc[]): void {
    for (const doc of docs) {
      this.docs.set(doc.key, { ...doc, folded: fold(doc.text) });
      if (doc.partId === undefined && doc.role) this.roles.set(doc.messageId, doc.role);
    }
    this.dirty = true;
  }

  /** Forgets documents by item key (the item was removed, or is no longer shown). */
  remove(keys: readonly string[]): void {
    for (const key of keys) {
      const doc = this.docs.get(key);
      if (!doc) continue;
      this.docs.delete(key);
      if (doc.partId === undefined) this.roles.delete(doc.messageId);
    }
    this.dirty = true;
  }

  /** How many documents are held. */
  get size(): number {
    return this.docs.size;
  }

  /** Tool names present, sorted (for the filter menu). */
  tools(): string[] {
    const names = new Set<string>();
    for (const doc of this.docs.values()) if (doc.tool) names.add(doc.tool);
    return [...names].sort();
  }

  /**
   * The documents containing `query` (case-insensitive substring) that pass `filter`, in timeline order, and the
   * total number of occurrences. A blank query matches nothing.
   */
  search(query: string, filter: SearchFilter = {}): { hits: SearchHit[]; total: number } {
    const scan = this.scan(query, filter);
    while (!scan.step(Number.POSITIVE_INFINITY));
    return scan;
  }

  /**
   * A search done in steps, so that a worker can answer with the first matches before it has read everything, and
   * drop a search a newer one has replaced: `step(n)` reads the next `n` documents (in timeline order, over the
   * documents as they were when the scan began) into `hits` and `total`, and returns true once all are read.
   */
  scan(query: string, filter: SearchFilter = {}): { hits: SearchHit[]; total: number; step: (n: number) => boolean } {
    const needle = fold(query);
    if (this.dirty) {
      this.order = [...this.docs.values()].sort(
        (a, b) => byId(a.messageId, b.messageId) || byId(a.partId ?? "", b.partId ?? ""),
      );
      this.dirty = false;
    }
    const order = needle.trim() === "" ? [] : this.order;
    const result = { hits: [] as SearchHit[], total: 0, step: (n: number) => read(n) };
    let next = 0;
    const read = (n: number): boolean => {
      const end = Math.min(order.length, next + n);
      for (; next < end; next++) {
        const doc = order[next]!;
        if (filter.tool !== undefined && doc.tool !== filter.tool) continue;
        if (filter.errors && !doc.error) continue;
        if (filter.role !== undefined && (doc.role ?? this.roles.get(doc.messageId)) !== filter.role) continue;
        const count = countOccurrences(doc.folded, needle);
        if (count === 0) continue;
        result.total += count;
        result.hits.push({
          key: doc.key,
          messageId: doc.messageId,
          ...(doc.partId ? { partId: doc.partId } : {}),
          count,
        });
      }
      return next >= order.length;
    };
    return result;
  }
}

/** What the page sends its search worker. */
export type SearchRequest =
  | { type: "put"; docs: SearchDoc[] }
  | { type: "remove"; keys: string[] }
  | { type: "search"; id: number; query: string; filter: SearchFilter };

/** What the search worker answers: the result of request `id`, and the tools the share has for the filter. */
export interface SearchResponse {
  type: "result";
  id: number;
  query: string;
  hits: SearchHit[];
  total: number;
  tools: string[];
  /** Time the scan took in the worker so far (ms). */
  ms: number;
  /** The first matches only: the scan goes on, and a complete answer follows. */
  partial: boolean;
}
