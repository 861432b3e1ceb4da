/**
 * Rate limiting through Cloudflare's `ratelimits` bindings; 429 `rate_limited` with `Retry-After`.
 *
 * Limits are keyed by who pays (docs/deploy.md, step 5, says what each protects and how to tune it):
 *
 * | binding | key | charged |
 * |---|---|---|
 * | `CREATE_LIMITER` | `create:<address>` | every create, current and legacy, before the body is read |
 * | `WRITE_LIMITER` | `write:<address>` | every sync and delete, current and legacy, before the body is read |
 * | `SECRET_FAILURE_LIMITER` | `ip:<address>`, `share:<id>` | after a mutation failed on a wrong secret (both keys) or an unknown share (address only) |
 * | `READ_LIMITER` | `read:<address>` | every read (routes/reads.ts, legacy reads and polls) |
 *
 * Syncs per share are counted by the share's room, not a binding (`room/budget.ts`, `SYNCS_PER_SHARE_PER_MINUTE`).
 */
import type { Context, MiddlewareHandler } from "hono";
import { ApiError, errorResponse } from "./errors";

/** The environment of the routes that use these limits: the share id a legacy route found in its body. */
export type LimitedEnv = { Bindings: Env; Variables: { shareId?: string } };

/**
 * Limits requests through `limiter`, keyed by `key(c)` (e.g. the client address, or the share id).
 * The binding counts per Cloudflare location and approximately.
 * Errors: `rate_limited` (429, with `Retry-After`: see `errors.ts`).
 *
 * @example
 * app.post("/share_create", rateLimit((env) => env.CREATE_LIMITER, (c) => `create:${clientIp(c.req.raw)}`), create)
 */
export function rateLimit<E extends { Bindings: Env } = { Bindings: Env }>(
  limiter: (env: Env) => RateLimit,
  key: (c: Context<E>) => string,
): MiddlewareHandler<E> {
  return async (c, next) => {
    const { success } = await limiter(c.env).limit({ key: key(c) });
    if (!success) throw new ApiError("rate_limited");
    await next();
  };
}

/** The client's IP as Cloudflare reports it (`cf-connecting-ip`); `local` in development and tests. */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "local";
}

/** Per-address limit on creating shares (`POST /api/share` and legacy `POST /share_create` share one budget). */
export const createLimit = rateLimit<LimitedEnv>(
  (env) => env.CREATE_LIMITER,
  (c) => `create:${clientIp(c.req.raw)}`,
);

/** The `WRITE_LIMITER` key of a sync or delete `request`: `write:<address>`. */
export function writeLimitKey(request: Request): string {
  return `write:${clientIp(request)}`;
}

/** Per-address limit on syncs and deletes, current and legacy, checked before the body is read. */
export const writeLimit = rateLimit<LimitedEnv>(
  (env) => env.WRITE_LIMITER,
  (c) => writeLimitKey(c.req.raw),
);

/**
 * Counts the mutations that failed on who the caller is: a wrong secret (against the address and the share) or a
 * share that does not exist (against the address: syncs and deletes to random ids). Past either budget such a
 * failure is answered 429 `rate_limited` instead of 403/404. The owner, whose secret verifies, is never charged, so
 * no flood of wrong secrets can spend the owner's budgets. `shareId(c)` names the share (the path, or what a legacy
 * route found in its body).
 */
export function secretFailureLimit(
  shareId: (c: Context<LimitedEnv>) => string | undefined,
): MiddlewareHandler<LimitedEnv> {
  return async (c, next) => {
    await next();
    const code = c.error instanceof ApiError ? c.error.code : undefined;
    if (code !== "invalid_secret" && code !== "share_not_found") return;
    const limiter = c.env.SECRET_FAILURE_LIMITER;
    const keys = [`ip:${clientIp(c.req.raw)}`];
    const id = shareId(c);
    if (code === "invalid_secret" && id) keys.push(`share:${id}`);
    const results = await Promise.all(keys.map((key) => limiter.limit({ key })));
    if (results.every((result) => result.success)) return;
    // Unset first: Hono's setter would otherwise copy the 403's headers onto the 429.
    c.res = undefined;
    c.res = errorResponse("rate_limited");
  };
}
