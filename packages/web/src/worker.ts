/**
 * The page worker: forwarding only. The asset layer serves the SPA and answers every path except those listed in
 * `assets.run_worker_first` (wrangler.jsonc) without running this code.
 *
 * | path | answer |
 * |---|---|
 * | `/api/*`, `/ws/*`, legacy `/share_*` | the sessions worker's response, through the `API` service binding, untouched |
 * | `/s/:id` | 301 to `/share/:id` (the page path legacy clients print) |
 * | anything else | 404 `{error: {code: "not_found"}}` |
 */
import type { ErrorBody } from "@shareroom/shared";

/** The legacy API of CLI ≤ 1.0.143 (protocol reference §2), served by the sessions worker at its root. */
const LEGACY_API_PATHS = new Set(["/share_create", "/share_sync", "/share_delete", "/share_data", "/share_poll"]);

/** The page path legacy clients print; ids are `[A-Za-z0-9_-]+` (protocol reference §1). */
const LEGACY_SHARE_PATH = /^\/s\/([A-Za-z0-9_-]+)\/?$/;

export default {
  fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/ws/") || LEGACY_API_PATHS.has(url.pathname)) {
      // The original request, so a WebSocket upgrade reaches the Durable Object; the response is returned as is,
      // because a 101 response cannot be cloned or given new headers.
      return env.API.fetch(request);
    }
    const legacy = LEGACY_SHARE_PATH.exec(url.pathname);
    if (legacy) {
      return Response.redirect(new URL(`/share/${legacy[1]}${url.search}`, url).toString(), 301);
    }
    const body: ErrorBody = { error: { code: "not_found", message: `Nothing is served at ${url.pathname}.` } };
    return Response.json(body, { status: 404 });
  },
} satisfies ExportedHandler<Env>;
