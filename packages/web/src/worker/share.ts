/**
 * `/share/:id` in the worker: a real 404 for a share that does not exist, and the share as markdown for agents
 * (`/share/:id.md`, or `/share/:id` with `Accept: text/markdown`).
 */
import type { ErrorBody, Item } from "@shareroom/shared";
import { buildShareMarkdown } from "../lib/share-markdown";

/** What the sessions worker says about a share id. `unknown`: it could not say (an error, or an older API). */
export type ShareExistence = "exists" | "missing" | "unknown";

/** The `code` of an API error body, or `undefined`. */
async function errorCode(response: Response): Promise<string | undefined> {
  const body = (await response.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
  return typeof body?.error?.code === "string" ? body.error.code : undefined;
}

/**
 * Asks the sessions worker whether share `id` exists: `GET /api/share/:id` (one R2 HEAD, no Durable Object).
 * `missing` for 404 `share_not_found` and 400 `invalid_share_id`; `unknown` for anything else, including an API
 * that does not have the route yet (404 `not_found`), so that the page then decides on its own.
 */
export async function shareExistence(env: Env, origin: string, id: string): Promise<ShareExistence> {
  let response: Response;
  try {
    response = await env.API.fetch(new Request(`${origin}/api/share/${encodeURIComponent(id)}`));
  } catch {
    return "unknown";
  }
  if (response.ok) {
    await response.body?.cancel();
    return "exists";
  }
  const code = await errorCode(response);
  return code === "share_not_found" || code === "invalid_share_id" ? "missing" : "unknown";
}

/**
 * Share `id` as markdown ({@link buildShareMarkdown}) from `GET /api/share/:id/data` through the `API` binding.
 * 404 (as plain markdown) when there is no such share; the API's status for any other failure.
 */
export async function shareMarkdown(env: Env, url: URL, id: string): Promise<Response> {
  const headers = {
    "content-type": "text/markdown; charset=utf-8",
    "cache-control": "no-store",
    "x-robots-tag": "noindex, nofollow",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    vary: "Accept",
  };
  const response = await env.API.fetch(new Request(`${url.origin}/api/share/${encodeURIComponent(id)}/data`));
  if (response.status === 404 || response.status === 400) {
    await response.body?.cancel();
    return new Response(
      "# Share not found\n\nNo share has this address. It may never have existed, or it was deleted.\n",
      {
        status: 404,
        headers,
      },
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    return new Response("# This share could not be loaded\n", { status: response.status, headers });
  }
  const items = (await response.json()) as Item[];
  const markdown = buildShareMarkdown(Array.isArray(items) ? items : [], { url: `${url.origin}/share/${id}` });
  return new Response(markdown, { headers });
}
