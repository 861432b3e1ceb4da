/**
 * `/share/:id`'s first paint and `/share/:id/og.png`: the share's head read through the `API` service binding —
 * one request, which also tells whether the share exists — turned into facts (first-paint.ts) and an image (og.ts).
 */
import type { ShareSummary } from "@shareroom/shared";
import { errorCode, num, rec, str } from "../lib/data";
import { firstReadPath } from "../lib/segment-order";
import { factsOfHead, newestSegment, type PreviewFacts, previewsOn } from "./first-paint";
import { NO_FACTS, previewPng, type RenderPreview } from "./preview-png";
import type { ShareExistence } from "./share";

/**
 * `GET <path>` of the sessions API (a same-origin path such as `/api/share/x/head`) on behalf of the visitor the
 * worker is answering; the worker passes its own API helper.
 */
export type ApiGet = (path: string) => Promise<Response>;

/** Whether the share exists, what the page should preload, and the facts for its first paint (when known). */
export interface SharePreview {
  existence: ShareExistence;
  /** Same-origin path the page reads first: the head where the server has one, else the snapshot. */
  preload?: string;
  /**
   * Same-origin path of what the page reads first of the head's newest segment, when it lists any (the segment, or
   * its newest entries when it is large: `firstReadPath`): the first screen's latest turn is there, so the browser
   * fetches it while the scripts load.
   */
  newestSegment?: string;
  facts?: PreviewFacts;
  /**
   * What names this version of the share's content: the head's `ETag` (its seq and the stored object's ETag), else
   * `seq-<seq>` of the head or summary. Absent when neither said.
   */
  version?: string;
}

/**
 * Reads share `id`'s head (`GET /api/share/:id/head`) for {@link SharePreview}. A server without heads (404
 * `not_found`) is asked for the share's summary instead (existence and title; the page preloads the snapshot).
 * `unknown` existence when the API could not say (an error): the page then decides on its own.
 */
export async function sharePreview(get: ApiGet, id: string): Promise<SharePreview> {
  const base = `/api/share/${encodeURIComponent(id)}`;
  const snapshot = `/api/share/${encodeURIComponent(id)}/snapshot`;
  try {
    const response = await get(`${base}/head`);
    if (response.ok) {
      const text = await response.text();
      const head = rec(JSON.parse(text));
      if (!head) return { existence: "exists", preload: snapshot };
      const seq = num(head.seq);
      const newest = newestSegment(head.segments);
      return {
        existence: "exists",
        preload: `/api/share/${encodeURIComponent(id)}/head`,
        ...(newest ? { newestSegment: firstReadPath(base, newest) } : {}),
        facts: factsOfHead(head, new TextEncoder().encode(text).byteLength),
        version: response.headers.get("etag") ?? (seq !== undefined ? `seq-${seq}` : undefined),
      };
    }
    const code = await errorCode(response);
    if (code === "share_not_found" || code === "invalid_share_id") return { existence: "missing" };
    if (code !== "not_found") return { existence: "unknown" };
    const summary = await get(base);
    if (!summary.ok) {
      const missing = ["share_not_found", "invalid_share_id"].includes((await errorCode(summary)) ?? "");
      return { existence: missing ? "missing" : "unknown" };
    }
    const body = (await summary.json().catch(() => undefined)) as Partial<ShareSummary> | undefined;
    return {
      existence: "exists",
      preload: snapshot,
      facts: { title: str(body?.title)?.trim() || NO_FACTS.title },
      version: typeof body?.seq === "number" ? `seq-${body.seq}` : undefined,
    };
  } catch {
    return { existence: "unknown" };
  }
}

/** og.ts, imported on first use, so page requests never start resvg. */
const renderLazily: RenderPreview = async (facts) => (await import("./og")).renderPreview(facts);

/** The headers of every preview image. Not cacheable by clients, so a deleted share's image goes with it. */
const IMAGE_HEADERS = { "content-type": "image/png", "cache-control": "no-store", "x-content-type-options": "nosniff" };

/** How long (s) the edge cache keeps a share's preview at one version of its head: a newer one gets another key. */
const PREVIEW_CACHE_SECONDS = 24 * 60 * 60;

/**
 * `/share/:id/og.png`: the share's preview image. The share's head is read first (through `get`), so a share that
 * does not exist — or no longer does — is 404 `not_found` before the edge cache is consulted, and so is every share
 * when previews are off. The PNG of one version of the head (its `ETag`, else its seq) comes from the edge cache
 * (`caches.default`) or is drawn ({@link previewPng}) and cached; a share whose facts could not be read or drawn gets
 * an image without them. 500 `internal_error` (JSON, no stack) only when no image can be drawn at all.
 */
export async function previewImage(
  env: Env,
  ctx: ExecutionContext,
  get: ApiGet,
  url: URL,
  id: string,
  render: RenderPreview = renderLazily,
): Promise<Response> {
  const preview = previewsOn(env) ? await sharePreview(get, id) : undefined;
  if (!preview || preview.existence === "missing") {
    return Response.json(
      { error: { code: "not_found", message: `Nothing is served at ${url.pathname}.` } },
      { status: 404 },
    );
  }
  const cacheKey =
    preview.facts && preview.version !== undefined
      ? new Request(`${url.origin}/share/${encodeURIComponent(id)}/og.png?v=${encodeURIComponent(preview.version)}`)
      : undefined;
  const cached = cacheKey && (await caches.default.match(cacheKey));
  if (cached) return new Response(cached.body, { headers: IMAGE_HEADERS });
  const png = await previewPng(preview.facts ?? NO_FACTS, render);
  if (!png) {
    return Response.json(
      { error: { code: "internal_error", message: "The preview image could not be drawn." } },
      { status: 500, headers: { "cache-control": "no-store" } },
    );
  }
  if (cacheKey) {
    const stored = new Response(png.slice(), {
      headers: { "content-type": "image/png", "cache-control": `max-age=${PREVIEW_CACHE_SECONDS}` },
    });
    ctx.waitUntil(caches.default.put(cacheKey, stored).catch(() => undefined));
  }
  return new Response(png, { headers: IMAGE_HEADERS });
}
