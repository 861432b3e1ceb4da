/** Headers every API response carries, whatever route or error produced it. */
import type { MiddlewareHandler } from "hono";

/**
 * `X-Content-Type-Options: nosniff`, so a browser never runs a stored item or blob as anything but the type it is
 * served as, and `X-Robots-Tag: noindex, nofollow`, so shares reached through the API stay out of search engines
 * (the page's own HTML carries the same, packages/web/src/worker/policy.ts). A WebSocket upgrade (101) is passed on
 * as it is: its response cannot be given new headers.
 */
export const apiHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status === 101) return;
  let headers = c.res.headers;
  try {
    headers.set("x-content-type-options", "nosniff");
  } catch {
    // Immutable headers (a response passed on from elsewhere): copy it once.
    c.res = new Response(c.res.body, c.res);
    headers = c.res.headers;
    headers.set("x-content-type-options", "nosniff");
  }
  headers.set("x-robots-tag", "noindex, nofollow");
};
