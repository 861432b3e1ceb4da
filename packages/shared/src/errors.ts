/**
 * The error table: every non-2xx response of the API is `{error: {code, message}}` with one of these codes.
 * `docs/api.md` lists them; codes are stable and never renamed.
 */
export const ERRORS = {
  invalid_json: { status: 400, message: "The request body is not valid JSON." },
  invalid_body: { status: 400, message: "The request body does not have the expected shape." },
  invalid_share_id: { status: 400, message: "The share id is malformed." },
  invalid_since: { status: 400, message: "`since` must be a non-negative integer sequence number." },
  unauthorized: { status: 401, message: "This endpoint needs the operator's admin token." },
  invalid_secret: { status: 403, message: "The secret does not match this share." },
  share_not_found: { status: 404, message: "No share has this id." },
  blob_not_found: { status: 404, message: "No stored value has this reference." },
  segment_not_found: { status: 404, message: "No stored segment has this name; read the share's head again." },
  not_found: { status: 404, message: "No such endpoint." },
  payload_too_large: { status: 413, message: "The request body is too large." },
  share_too_large: { status: 413, message: "The share would exceed its size limit." },
  upgrade_required: { status: 426, message: "This endpoint needs a WebSocket upgrade." },
  rate_limited: { status: 429, message: "Too many requests; retry later." },
  internal_error: { status: 500, message: "Something went wrong on the server." },
  storage_unavailable: {
    status: 503,
    message: "The share's storage is unavailable for a moment; retry after the time in Retry-After.",
  },
  api_unavailable: { status: 503, message: "The share API cannot be reached right now; retry later." },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable error code from {@link ERRORS}. */
export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * Codes used for single items refused inside an otherwise accepted sync batch. They never become a response
 * status: the batch answers 200 and lists the refused items (the CLI never retries, so the good items must land).
 */
export const ITEM_REFUSAL_CODES = ["invalid_item", "invalid_id", "item_too_large"] as const;

/** Why one item of a sync batch was not stored. */
export type ItemRefusalCode = (typeof ITEM_REFUSAL_CODES)[number];

/** Builds the `{error: {code, message}}` body for `code`, with an optional more specific message. */
export function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return { error: { code, message: message ?? ERRORS[code].message } };
}
