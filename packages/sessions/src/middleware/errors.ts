/** Error responses: one helper builds every non-2xx body from the shared error table. */
import { ERRORS, type ErrorCode, errorBody } from "@shareroom/shared";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { STORAGE_RETRY_AFTER_S, StorageError } from "../storage/read";

/** An error that becomes the `{error: {code, message}}` response of {@link ERRORS}`[code]`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? ERRORS[code].message);
  }
}

/**
 * `Retry-After` (s) of every 429: the `period` of the `ratelimits` bindings in wrangler.jsonc (the binding allows
 * only 10 or 60) and the window of the share's sync budget (`room/budget.ts`), so a refused client waits one full
 * period.
 */
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 60;

/**
 * The JSON error response for `code` (status from the error table). A 429 always carries `Retry-After`
 * ({@link RATE_LIMIT_RETRY_AFTER_SECONDS} unless `headers` give one).
 */
export function errorResponse(code: ErrorCode, message?: string, headers?: Record<string, string>): Response {
  const response = Response.json(errorBody(code, message), { status: ERRORS[code].status, headers });
  if (ERRORS[code].status === 429 && !response.headers.has("retry-after")) {
    response.headers.set("retry-after", String(RATE_LIMIT_RETRY_AFTER_SECONDS));
  }
  return response;
}

/**
 * Hono `onError`: an {@link ApiError} becomes its response; a {@link StorageError} (R2 failing, or a share's objects
 * missing) is logged and answered 503 `storage_unavailable` with `Retry-After`; anything else is logged and answered
 * 500 `internal_error` with no detail (never a stack trace).
 */
export function onError(error: Error, c: Context): Response {
  if (error instanceof ApiError) return errorResponse(error.code, error.message, error.headers);
  if (error instanceof StorageError) {
    console.error(`${c.req.method} ${new URL(c.req.url).pathname}:`, error.message);
    return errorResponse("storage_unavailable", undefined, { "retry-after": String(STORAGE_RETRY_AFTER_S) });
  }
  if (error instanceof HTTPException && error.status < 500) {
    return errorResponse(error.status === 404 ? "not_found" : "invalid_body", error.message);
  }
  console.error(`${c.req.method} ${new URL(c.req.url).pathname}:`, error);
  return errorResponse("internal_error");
}
