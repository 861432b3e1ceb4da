/**
 * `/share/:id` in the worker: the share as markdown for agents (`/share/:id.md`, or `/share/:id` with
 * `Accept: text/markdown`), cached per seq and refused above a size limit, and what a share's existence is (also used
 * by the page's first paint, preview.ts).
 */
import type { Item, ShareSummary } from "@shareroom/shared";
import { buildShareMarkdown } from "../lib/share-markdown";
import { getFromApi } from "./api";

/** What the sessions worker says about a share id. `unknown`: it could not say (an error, or an older API). */
export type ShareExistence = "exists" | "missing" | "unknown";

/**
 * Largest `GET /api/share/:id/data` body (bytes) the markdown export reads. A share may hold far more (see
 * `SHARE_MAX_BYTES` in `@shareroom/shared`), but the body, its parsed items and the markdown are all in memory at
 * once, and an isolate has 128 MB.
 */
export const MARKDOWN_MAX_DATA_BYTES = 32 * 1024 * 1024;

/** How long (s) an edge cache keeps a share's markdown at one seq: a newer seq gets another key. */
const MARKDOWN_CACHE_SECONDS = 24 * 60 * 60;

/** The headers of every markdown answer. Not cacheable by clients: a deleted share must stop being served. */
const MARKDOWN_HEADERS = {
  "content-type": "text/markdown; charset=utf-8",
  "cache-control": "no-store",
  "x-robots-tag": "noindex, nofollow",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
  vary: "Accept",
};

function markdownResponse(body: string, status = 200): Response {
  return new Response(body, { status, headers: MARKDOWN_HEADERS });
}

/** Reads `response`'s body as text, or `null` (the body cancelled) once it passes `maxBytes`. */
async function readCapped(response: Response, maxBytes: number): Promise<string | null> {
  const length = Number(response.headers.get("content-length"));
  if (Number.isFinite(length) && length > maxBytes) {
    await response.body?.cancel();
    return null;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The API's failure passed on to the visitor as it is: its status, its coded JSON body and its `Retry-After` (a 429
 * of the visitor's own read limit, or the 503 of an unreachable API), so a client knows what happened and when to
 * come back.
 */
function apiFailure(response: Response): Response {
  const headers = new Headers({ "cache-control": "no-store", "x-content-type-options": "nosniff", vary: "Accept" });
  for (const name of ["content-type", "retry-after"]) {
    const value = response.headers.get(name);
    if (value) headers.set(name, value);
  }
  headers.set("x-robots-tag", "noindex, nofollow");
  return new Response(response.body, { status: response.status, headers });
}

/**
 * The seq of share `id` from `GET /api/share/:id` (one R2 HEAD, no Durable Object), asked on behalf of `client`:
 * `null` when there is no such share, or the answer to give when the API could not say ({@link apiFailure}).
 */
async function shareSeq(env: Env, client: Request, id: string): Promise<number | null | Response> {
  const response = await getFromApi(env, client, `/api/share/${encodeURIComponent(id)}`);
  if (response.status === 404 || response.status === 400) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) return apiFailure(response);
  const summary = (await response.json().catch(() => undefined)) as Partial<ShareSummary> | undefined;
  return typeof summary?.seq === "number" ? summary.seq : markdownResponse("# This share could not be loaded\n", 502);
}

/**
 * Share `id` as markdown ({@link buildShareMarkdown}) for the visitor whose request is `client`. The summary
 * (`GET /api/share/:id`, through the `API` binding) says whether the share exists and at which seq; the markdown of
 * that seq comes from the edge cache (`caches.default`, keyed by origin, id and seq) or is built from
 * `GET /api/share/:id/data` and cached. 404 (as plain markdown) when there is no such share; 413 with a note when the
 * share's data is over {@link MARKDOWN_MAX_DATA_BYTES}; the API's coded error, status and `Retry-After` for any other
 * failure (503 `api_unavailable` when the API cannot be reached).
 */
export async function shareMarkdown(env: Env, ctx: ExecutionContext, client: Request, id: string): Promise<Response> {
  const url = new URL(client.url);
  const seq = await shareSeq(env, client, id);
  if (seq instanceof Response) return seq;
  if (seq === null) {
    return markdownResponse(
      "# Share not found\n\nNo share has this address. It may never have existed, or it was deleted.\n",
      404,
    );
  }
  const cacheKey = new Request(`${url.origin}/share/${encodeURIComponent(id)}.md?seq=${seq}`);
  const cached = await caches.default.match(cacheKey);
  if (cached) return markdownResponse(await cached.text());

  const response = await getFromApi(env, client, `/api/share/${encodeURIComponent(id)}/data`);
  if (response.status === 404 || response.status === 400) {
    await response.body?.cancel();
    return markdownResponse("# Share not found\n\nNo share has this address. It was deleted.\n", 404);
  }
  if (!response.ok) return apiFailure(response);
  const text = await readCapped(response, MARKDOWN_MAX_DATA_BYTES);
  if (text === null) {
    return markdownResponse(
      `# This share is too large for markdown\n\nIts data is over ${MARKDOWN_MAX_DATA_BYTES / 1024 / 1024} MiB, the most ` +
        `this export reads. Open ${url.origin}/share/${id} in a browser, or read ` +
        `${url.origin}/api/share/${id}/data directly.\n`,
      413,
    );
  }
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch {
    return markdownResponse("# This share could not be loaded\n", 502);
  }
  const markdown = buildShareMarkdown(Array.isArray(items) ? (items as Item[]) : [], {
    url: `${url.origin}/share/${id}`,
  });
  const stored = new Response(markdown, {
    headers: { "content-type": MARKDOWN_HEADERS["content-type"], "cache-control": `max-age=${MARKDOWN_CACHE_SECONDS}` },
  });
  ctx.waitUntil(caches.default.put(cacheKey, stored));
  return markdownResponse(markdown);
}
