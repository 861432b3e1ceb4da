/**
 * The share API as the opencode CLI speaks it (`POST /api/share`, `POST /api/share/:id/sync`,
 * `DELETE /api/share/:id`; docs/api.md), plus shareroom's `removed` list in a sync.
 */
import {
  type CreateShareResponse,
  type ErrorBody,
  type ErrorCode,
  ITEM_REFUSAL_CODES,
  type Item,
  type ItemRefusalCode,
  type SyncResponse,
} from "@shareroom/shared";

/**
 * Codes a sync request is refused with because of what its items or removals hold (packages/shared/src/errors.ts):
 * a part of the request may be taken, so the client sends smaller parts to find the one to skip.
 */
const ITEM_LEVEL_CODES: ReadonlySet<string> = new Set<ErrorCode | ItemRefusalCode>([
  "payload_too_large",
  "invalid_body",
  "invalid_json",
  ...ITEM_REFUSAL_CODES,
]);

/**
 * A failed call: `status` 0 when the server could not be reached; `code` from the `{error: {code}}` body, or
 * `http_<status>` when the body is not one (a proxy's page, say). Each failure is exactly one of
 * {@link retryable}, {@link gone}, {@link refusal} or {@link fatal}.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /**
   * Whether trying again later can help: unreachable, 408, 429 (rate limited), 5xx, and 413 `share_too_large` (the
   * share is full; removals make room).
   */
  get retryable(): boolean {
    return (
      this.status === 0 ||
      this.status === 408 ||
      this.status === 429 ||
      this.status >= 500 ||
      this.code === "share_too_large"
    );
  }

  /** Whether the share is gone, or its secret no longer opens it: 404 `share_not_found`, 403 `invalid_secret`. */
  get gone(): boolean {
    return (
      (this.status === 404 && this.code === "share_not_found") ||
      (this.status === 403 && this.code === "invalid_secret")
    );
  }

  /**
   * Whether the server refused what the request carried rather than the request or the share: a 4xx with an
   * item-level code (`payload_too_large`, `invalid_body`, `invalid_json`). Sending the same body again would be
   * refused again; sending its parts one by one finds the refused item.
   */
  get refusal(): boolean {
    return this.status >= 400 && this.status < 500 && !this.retryable && ITEM_LEVEL_CODES.has(this.code);
  }

  /**
   * Whether nothing this client can send will be taken: any other 4xx (`invalid_share_id`, 401 `unauthorized`, 426,
   * a code this client does not know, a 4xx without a JSON error body). A follower stops on it.
   */
  get fatal(): boolean {
    return !this.retryable && !this.gone && !this.refusal;
  }
}

/** The API origin: `server` without a trailing slash. */
export function apiOrigin(server: string): string {
  return server.replace(/\/+$/, "");
}

async function call<T>(server: string, method: string, path: string, body: unknown, timeoutMs = 30_000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${apiOrigin(server)}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new ApiError(0, "unreachable", `${apiOrigin(server)} could not be reached (${(error as Error).message})`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const error = (json as Partial<ErrorBody> | undefined)?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? `${method} ${path} answered ${response.status}`,
    );
  }
  return json as T;
}

/** Creates a share for the session item `sessionID`; the answer carries the owner `secret`. */
export function createShare(server: string, sessionID: string): Promise<CreateShareResponse> {
  return call(server, "POST", "/api/share", { sessionID });
}

/** Sends one sync batch: `data` items, then the item keys in `removed` are deleted. */
export function syncShare(
  server: string,
  id: string,
  secret: string,
  data: Item[],
  removed: string[],
): Promise<SyncResponse> {
  const body = removed.length > 0 ? { secret, data, removed } : { secret, data };
  return call(server, "POST", `/api/share/${encodeURIComponent(id)}/sync`, body, 120_000);
}

/** Deletes a share. */
export async function deleteShare(server: string, id: string, secret: string): Promise<void> {
  await call(server, "DELETE", `/api/share/${encodeURIComponent(id)}`, { secret });
}
