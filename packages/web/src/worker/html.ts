/**
 * The page's HTML responses: the SPA's `index.html` from the asset layer, with the security headers every HTML
 * response of this origin carries (policy.ts), and the status the worker decided (200, or 404 for a missing share
 * or path).
 */

import type { FirstPaint } from "./first-paint";
import { securityHeaders } from "./policy";

/**
 * The SPA (`/` of the asset layer) answered with `status` and {@link securityHeaders}. For a 404 the `<html>`
 * element carries `data-status="404"`, so the page shows its not-found view at once, without asking the API again.
 * `preload` (a same-origin path) is announced in the head, so the browser fetches it while the scripts load (the
 * share page passes its head or snapshot); `also` are more same-origin paths fetched early the same way (the newest
 * segment), announced after it. `paint` (a share's {@link FirstPaint}) replaces the document title, adds
 * its meta tags to the head and its header before the SPA's root, so the share's facts show before any script runs.
 * Never cached: the same HTML is 200 for a share and 404 after its deletion.
 */
export async function servePage(
  request: Request,
  env: Env,
  status: 200 | 404,
  preload?: string,
  paint?: FirstPaint,
  also: readonly string[] = [],
): Promise<Response> {
  const url = new URL(request.url);
  // Only the method is kept: conditional headers could turn a 404 into a 304, and the asset layer needs nothing else.
  const asset = await env.ASSETS.fetch(
    new Request(new URL("/", url), { method: request.method === "HEAD" ? "HEAD" : "GET" }),
  );
  const headers = new Headers(asset.headers);
  for (const [name, value] of Object.entries(securityHeaders(url))) headers.set(name, value);
  headers.set("cache-control", "no-store");
  headers.delete("etag");
  const response = new Response(asset.body, { status: asset.ok ? status : asset.status, headers });
  if (!asset.ok || request.method === "HEAD" || (status !== 404 && !preload)) return response;
  response.headers.delete("content-length");
  const rewriter = new HTMLRewriter();
  if (status === 404) {
    rewriter.on("html", {
      element(element) {
        element.setAttribute("data-status", "404");
      },
    });
  } else if (preload) {
    if (paint) {
      rewriter.on("title", {
        element(element) {
          element.setInnerContent(paint.title);
        },
      });
      rewriter.on("body", {
        element(element) {
          element.prepend(paint.body, { html: true });
        },
      });
    }
    rewriter.on("head", {
      element(element) {
        if (paint) element.append(paint.head, { html: true });
        // `crossorigin` makes the preload match the page's own fetch() (cors mode, same-origin credentials).
        for (const path of [preload, ...also]) {
          element.append(
            `<link rel="preload" href="${path.replace(/[^A-Za-z0-9/_.%?=-]/g, "")}" as="fetch" crossorigin="anonymous">`,
            { html: true },
          );
        }
      },
    });
  }
  return rewriter.transform(response);
}
