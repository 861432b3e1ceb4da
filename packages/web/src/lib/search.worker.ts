/**
 * The share's find index, off the main thread (a module Web Worker, see lib/search.ts). Documents arrive as the
 * share loads and changes. A search is read in slices of documents: the first matches are answered as soon as a
 * slice has any (a partial answer), the complete count when all are read; between slices newer messages are taken
 * in, and a search that a newer one has replaced is dropped, so typing fast costs one scan per pause.
 */
import { SearchIndex, type SearchRequest, type SearchResponse } from "./search-index";

/** Documents read per slice: a few ms of scanning, so a newer search waits little. */
const SLICE_DOCS = 1_000;

const index = new SearchIndex();
let pending: Extract<SearchRequest, { type: "search" }> | undefined;
let job:
  | {
      request: Extract<SearchRequest, { type: "search" }>;
      scan: ReturnType<SearchIndex["scan"]>;
      started: number;
      answered: boolean;
    }
  | undefined;
let scheduled = false;

function answer(partial: boolean): void {
  if (!job) return;
  const response: SearchResponse = {
    type: "result",
    id: job.request.id,
    query: job.request.query,
    hits: job.scan.hits,
    total: job.scan.total,
    tools: index.tools(),
    ms: performance.now() - job.started,
    partial,
  };
  postMessage(response);
  job.answered = true;
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setTimeout(run, 0);
}

function run(): void {
  scheduled = false;
  if (pending) {
    job = {
      request: pending,
      scan: index.scan(pending.query, pending.filter),
      started: performance.now(),
      answered: false,
    };
    pending = undefined;
  }
  if (!job) return;
  const done = job.scan.step(SLICE_DOCS);
  if (done) {
    answer(false);
    job = undefined;
    return;
  }
  if (!job.answered && job.scan.hits.length > 0) answer(true);
  schedule();
}

self.onmessage = (event: MessageEvent<SearchRequest>) => {
  const request = event.data;
  if (request.type === "put") index.put(request.docs);
  else if (request.type === "remove") index.remove(request.keys);
  else {
    pending = request;
    // After the messages already queued (more documents, a newer search) have been taken in.
    schedule();
  }
};
