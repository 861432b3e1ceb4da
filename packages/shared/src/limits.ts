/**
 * Size and rate limits shared by the API worker, the Durable Object and the page.
 * Every limit is defined here once; `docs/api.md` documents them.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** Largest request body accepted by any JSON endpoint except sync, in bytes. */
export const MAX_SMALL_BODY_BYTES = 64 * KiB;

/**
 * Largest `POST /api/share/:id/sync` body, in bytes. The CLI's first sync carries the whole session (tool
 * output, `data:` URLs), so this is generous; beyond it the request is answered 413 `payload_too_large`.
 */
export const MAX_SYNC_BODY_BYTES = 32 * MiB;

/** Largest single item, serialized as JSON, in bytes. Larger items are refused one by one (`item_too_large`). */
export const MAX_ITEM_BYTES = 16 * MiB;

/**
 * Items whose JSON is larger than this (bytes) are stored in R2 as a separate blob and referenced from the
 * Durable Object and the R2 segments, so that no SQLite row comes near the Durable Object's 2 MB row limit.
 */
export const INLINE_ITEM_MAX_BYTES = 1 * MiB;

/** Largest live size of one share (sum of its items' JSON), in bytes; a sync beyond it gets 413 `share_too_large`. */
export const MAX_SHARE_BYTES = 512 * MiB;

/** Largest number of keys in one sync batch's `removed` list (shareroom's removal extension). */
export const MAX_REMOVALS_PER_SYNC = 10_000;

/** Largest number of items in one sync batch. */
export const MAX_ITEMS_PER_SYNC = 10_000;

/**
 * Deepest nesting of arrays and objects accepted in a request body. Real items nest about 10 deep; the cap keeps
 * recursive serializers (and the runtime's stack) safe from nesting bombs.
 */
export const MAX_JSON_DEPTH = 64;

/** Longest id (share, message, part) accepted, in characters. */
export const MAX_ID_LENGTH = 128;

/**
 * A viewer that reconnects with `?since=<seq>` is sent the missed changes only while they add up to at most this
 * many bytes; beyond it the viewer is told to reload the snapshot from R2 (`reset`). Bytes of item JSON.
 */
export const MAX_CATCH_UP_BYTES = 4 * MiB;

/** Largest WebSocket message the server sends, in bytes of JSON; larger change sets are split. */
export const MAX_LIVE_MESSAGE_BYTES = 1 * MiB;

/**
 * `GET /api/share/:id/segments/<name>?newest` answers the segment's newest entries that start in its last this many
 * bytes (every entry whole; from the last four times as many when those hold fewer than 8 entries), marked
 * `"newest": true`: what the page reads first of a large newest segment, so its first screen does not wait for the
 * whole segment (up to 8 MiB). Bytes of segment JSON.
 */
export const NEWEST_ENTRIES_BYTES = 256 * KiB;
