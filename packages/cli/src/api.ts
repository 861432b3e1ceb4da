/**
 * The share API as the opencode CLI speaks it (`POST /api/share`, `POST /api/share/:id/sync`,
 * `DELETE /api/share/:id`; docs/api.md), plus shareroom's `removed` list in a sync.
 */
import type { CreateShareResponse, ErrorBody, Item, SyncResponse } from "@shareroom/shared";

/** A failed call: `status` 0 when the server could not be reached; `code` from the `{error: {code}}` body. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** Whether trying again later can help (unreachable, rate limited, server errors). */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  /**
   * Whether the server refused what was sent rather than the share: a 4xx other than 403/404 (the share's secret or
   * the share itself is gone) and 408/429 (try later). Sending the same body again would be refused again.
   */
  get refusal(): boolean {
    return this.status >= 400 && this.status < 500 && !this.retryable && this.status !== 403 && this.status !== 404;
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
