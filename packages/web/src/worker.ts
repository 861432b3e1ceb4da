/**
 * The page worker. It owns no data: the API is forwarded to the sessions worker over the `API` service binding, and
 * pages are the SPA's `index.html` from the asset layer with security headers. Everything except the hashed build
 * output (`/assets/*`) reaches this code first (`assets.run_worker_first` in wrangler.jsonc).
 *
 * | path | answer |
 * |---|---|
 * | `/api/*`, `/ws/*`, legacy `/share_*` | the sessions worker's response, through the `API` service binding, untouched; 503 `api_unavailable` with `Retry-After` when it cannot be reached |
 * | `/share/:id.md`, or `/share/:id` with `Accept: text/markdown` | the share as markdown (`lib/share-markdown.ts`), cached per seq, 413 above 32 MiB of data |
 * | `/share/:id` | the SPA (200) with the share's title and facts in its HTML when the share exists, else the SPA's not-found view with 404 |
 * | `/share/:id/og.png` | the share's preview image (1200×630 PNG); 404 when previews are off (`SHARE_PREVIEWS=false`) |
 * | `/`, `/admin` | the SPA |
 * | `/s/:id` | 301 to `/share/:id` (the page path legacy clients print) |
 * | any other file of the asset layer | the file |
 * | anything else | 404: the not-found page for browsers, `{error: {code: "not_found"}}` for other clients |
 */
import type { ErrorBody } from "@shareroom/shared";
import { forwardToApi, getFromApi } from "./worker/api";
import { firstPaint, previewsOn } from "./worker/first-paint";
import { servePage } from "./worker/html";
import { prefersMarkdown } from "./worker/policy";
import { previewImage, sharePreview } from "./worker/preview";
import { shareMarkdown } from "./worker/share";

/** The legacy API of CLI ≤ 1.0.143 (docs/opencode-protocol.md §2), served by the sessions worker at its root. */
const LEGACY_API_PATHS = new Set(["/share_create", "/share_sync", "/share_delete", "/share_data", "/share_poll"]);

/** The page path legacy clients print; ids are `[A-Za-z0-9_-]+` (docs/opencode-protocol.md §1). */
const LEGACY_SHARE_PATH = /^\/s\/([A-Za-z0-9_-]+)\/?$/;

/** A share's preview image for link previews (Open Graph, Twitter cards). */
const PREVIEW_PATH = /^\/share\/([A-Za-z0-9_-]+)\/og\.png$/;

/** A share page, `/share/<id>` or `/share/<id>.md`. Any id is passed on: the API decides which ids exist. */
const SHARE_PATH = /^\/share\/([^/]+?)(\.md)?\/?$/;

/** Pages of the SPA that exist without asking anyone. */
const APP_PATHS = new Set(["/", "/admin", "/admin/"]);

/** A 404 for a path nothing is served at: the page for browsers, the API's JSON error shape for everyone else. */
function notFound(request: Request, env: Env, url: URL): Promise<Response> | Response {
  if (request.method === "GET" && request.headers.get("accept")?.includes("text/html")) {
    return servePage(request, env, 404);
  }
  const body: ErrorBody = { error: { code: "not_found", message: `Nothing is served at ${url.pathname}.` } };
  return Response.json(body, { status: 404 });
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const path = url.pathname;
    if (path.startsWith("/api/") || path.startsWith("/ws/") || LEGACY_API_PATHS.has(path)) {
      // The original request, so a WebSocket upgrade reaches the Durable Object; the response is returned as is,
      // because a 101 response cannot be cloned or given new headers.
      return forwardToApi(env, request);
    }
    const legacy = LEGACY_SHARE_PATH.exec(path);
    if (legacy) {
      return Response.redirect(new URL(`/share/${legacy[1]}${url.search}`, url).toString(), 301);
    }
    const isRead = request.method === "GET" || request.method === "HEAD";
    const image = PREVIEW_PATH.exec(path);
    if (image && isRead) return previewImage(env, ctx, (path) => getFromApi(env, request, path), url, image[1]!);
    const share = SHARE_PATH.exec(path);
    if (share && isRead) {
      let id: string;
      try {
        id = decodeURIComponent(share[1]!);
      } catch {
        return notFound(request, env, url);
      }
      if (share[2] || prefersMarkdown(request.headers.get("accept"))) return shareMarkdown(env, ctx, request, id);
      const preview = await sharePreview((path) => getFromApi(env, request, path), id);
      const address = `${url.origin}/share/${encodeURIComponent(id)}`;
      const page = await servePage(
        request,
        env,
        preview.existence === "missing" ? 404 : 200,
        preview.preload,
        preview.facts && firstPaint(preview.facts, address, previewsOn(env) ? `${address}/og.png` : undefined),
        preview.newestSegment ? [preview.newestSegment] : [],
      );
      page.headers.set("vary", "Accept");
      return page;
    }
    if (APP_PATHS.has(path) && isRead) return servePage(request, env, 200);
    // Other files of the asset layer (and, under `vite dev`, the dev server's modules, which take this path too).
    const asset = isRead ? await env.ASSETS.fetch(request) : undefined;
    if (asset && asset.status !== 404) return asset;
    await asset?.body?.cancel();
    return notFound(request, env, url);
  },
} satisfies ExportedHandler<Env>;
