/** Rate limiting through Cloudflare's `ratelimits` binding; 429 `rate_limited` with `Retry-After`. */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./errors";

/**
 * Limits requests through `limiter`, keyed by `key(c)` (e.g. the client IP, or the share id).
 * The binding counts per Cloudflare location and approximately; its period is 60 s here, hence `Retry-After: 60`.
 */
export function rateLimit(
  limiter: (env: Env) => RateLimit,
  key: (c: Parameters<MiddlewareHandler<{ Bindings: Env }>>[0]) => string,
): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const { success } = await limiter(c.env).limit({ key: key(c) });
    if (!success) throw new ApiError("rate_limited", undefined, { "retry-after": "60" });
    await next();
  };
}

/** The client's IP as Cloudflare reports it (`cf-connecting-ip`); `local` in development and tests. */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "local";
}
