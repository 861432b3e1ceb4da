/**
 * The share's find index, off the main thread (a module Web Worker, see lib/search.ts): documents arrive as the
 * share loads and changes, searches are answered in the order asked, and a search superseded by a newer one before
 * it started is skipped (typing fast costs one scan per pause, not one per key).
 */
import { SearchIndex, type SearchRequest, type SearchResponse } from "./search-index";

const index = new SearchIndex();
let pending: Extract<SearchRequest, { type: "search" }> | undefined;
let scheduled = false;

function run(): void {
  scheduled = false;
  const request = pending;
  pending = undefined;
  if (!request) return;
  const started = performance.now();
  const { hits, total } = index.search(request.query, request.filter);
  const response: SearchResponse = {
    type: "result",
    id: request.id,
    query: request.query,
    hits,
    total,
    tools: index.tools(),
    ms: performance.now() - started,
  };
  postMessage(response);
}

self.onmessage = (event: MessageEvent<SearchRequest>) => {
  const request = event.data;
  if (request.type === "put") index.put(request.docs);
  else if (request.type === "remove") index.remove(request.keys);
  else {
    pending = request;
    // After the messages already queued (more documents, a newer search) have been taken in.
    if (!scheduled) {
      scheduled = true;
      setTimeout(run, 0);
    }
  }
};
