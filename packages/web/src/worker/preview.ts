/**
 * `/share/:id`'s first paint and `/share/:id/og.png`: the share's head read through the `API` service binding —
 * one request, which also tells whether the share exists — turned into facts (first-paint.ts) and an image (og.ts).
 */
import type { ShareSummary } from "@shareroom/shared";
import { rec, str } from "../lib/data";
import { factsOfHead, type PreviewFacts, previewsOn } from "./first-paint";
import { errorCode, type ShareExistence } from "./share";

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
  facts?: PreviewFacts;
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
      return {
        existence: "exists",
        preload: `/api/share/${encodeURIComponent(id)}/head`,
        facts: factsOfHead(head, new TextEncoder().encode(text).byteLength),
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
    return { existence: "exists", preload: snapshot, facts: { title: str(body?.title)?.trim() || "Shared session" } };
  } catch {
    return { existence: "unknown" };
  }
}

/**
 * `/share/:id/og.png`: the share's preview image (og.ts, imported on first use, so page requests never start
 * resvg). 404 `not_found` when previews are off or the share does not exist; a share whose facts could not be read
 * gets an image without them. Not cached by clients, so a deleted share's image goes with it.
 */
export async function previewImage(env: Env, get: ApiGet, url: URL, id: string): Promise<Response> {
  const preview = previewsOn(env) ? await sharePreview(get, id) : undefined;
  if (!preview || preview.existence === "missing") {
    return Response.json(
      { error: { code: "not_found", message: `Nothing is served at ${url.pathname}.` } },
      { status: 404 },
    );
  }
  const { renderPreview } = await import("./og");
  const png = await renderPreview(preview.facts ?? { title: "Shared session" });
  return new Response(png, {
    headers: { "content-type": "image/png", "cache-control": "no-store", "x-content-type-options": "nosniff" },
  });
}
