/**
 * The opencode-compatible share API (protocol reference §1) plus the page's snapshot and blob reads.
 *
 * | route | what |
 * |---|---|
 * | `POST /api/share` | create a share → `{id, url, secret}` |
 * | `POST /api/share/:id/sync` | apply a batch of items (through the share's ShareRoom) |
 * | `DELETE /api/share/:id` | delete the share, JSON body `{secret}` |
 * | `GET /api/share/:id` | {@link ShareSummary}: does the share exist, its title and times (one R2 HEAD) |
 * | `GET /api/share/:id/data` | `Item[]` (used by `opencode import`), from R2 |
 * | `GET /api/share/:id/snapshot` | {@link ShareSnapshot} with its `seq`, for the page, from R2 |
 * | `GET /api/share/:id/blob/:hash` | one item stored by reference |
 */
import {
  CreateShareBodySchema,
  type CreateShareResponse,
  DeleteShareBodySchema,
  MAX_ITEMS_PER_SYNC,
  MAX_SMALL_BODY_BYTES,
  MAX_SYNC_BODY_BYTES,
  SHARE_ID_PATTERN,
  type ShareSummary,
  SyncBodySchema,
} from "@shareroom/shared";
import { Hono } from "hono";
import { readJson } from "../middleware/body";
import { ApiError } from "../middleware/errors";
import {
  clientIp,
  createLimit,
  type LimitedEnv,
  rateLimit,
  secretFailureLimit,
  writeLimit,
} from "../middleware/rate-limit";
import { newSecret, newShareId, sha256Hex } from "../secrets";
import type { RoomResult } from "../share-room";
import { headKey } from "../storage/layout";
import { countingReader } from "../storage/meter";
import { readBlob, readItems, readSnapshot } from "../storage/read";

/** The share's `ShareRoom` stub. */
export function room(env: Env, id: string) {
  return env.SHARE_ROOM.get(env.SHARE_ROOM.idFromName(id));
}

/** Validates a share id from a path. Errors: `invalid_share_id` (400). */
export function shareId(value: string): string {
  if (!SHARE_ID_PATTERN.test(value)) throw new ApiError("invalid_share_id");
  return value;
}

/**
 * Creates a share for `sessionID` with a fresh random id; `secret(id)` gives its secret (the legacy protocol embeds
 * the id in it). Only the secret's SHA-256 is stored. Errors: `internal_error` on an id collision.
 */
export async function createShare(env: Env, sessionID: string, secret: string | ((id: string) => string)) {
  const id = newShareId();
  const value = typeof secret === "string" ? secret : secret(id);
  const ttlDays = Number(env.SHARE_TTL_DAYS) || 0;
  unwrap(
    await room(env, id).create({
      shareId: id,
      secretHash: await sha256Hex(value),
      sessionID,
      now: Date.now(),
      ttlDays,
    }),
  );
  return { id, secret: value };
}

/** The value of a room's answer, or its error code thrown as an {@link ApiError}. */
export function unwrap<T>(result: RoomResult<T>): T {
  if (!result.ok) throw new ApiError(result.code, result.message);
  return result.value;
}

/** The page origin for share URLs: `PUBLIC_SHARE_URL` when set, else the origin the request arrived on. */
export function publicOrigin(env: Env, request: Request): string {
  return (env.PUBLIC_SHARE_URL || new URL(request.url).origin).replace(/\/+$/, "");
}

/** Per-IP limit on every read of a share (page, data, blobs, summary). */
export const readLimit = rateLimit(
  (env) => env.READ_LIMITER,
  (c) => `read:${clientIp(c.req.raw)}`,
);

/** Failed secrets and unknown ids on `/:id` mutations, counted against the address and the share in the path. */
const ownerFailures = secretFailureLimit((c) => c.req.param("id"));

export const shares = new Hono<LimitedEnv>()
  // "/:id/*" also matches "/:id" itself.
  .on(["GET", "HEAD"], "/:id/*", readLimit)
  .post("/", createLimit, async (c) => {
    const body = await readJson(c.req.raw, CreateShareBodySchema, MAX_SMALL_BODY_BYTES);
    const { id, secret } = await createShare(c.env, body.sessionID, newSecret());
    return c.json({ id, url: `${publicOrigin(c.env, c.req.raw)}/share/${id}`, secret } satisfies CreateShareResponse);
  })
  .post("/:id/sync", writeLimit, ownerFailures, async (c) => {
    const id = shareId(c.req.param("id")!);
    const body = await readJson(c.req.raw, SyncBodySchema, MAX_SYNC_BODY_BYTES);
    if (body.data.length > MAX_ITEMS_PER_SYNC) {
      throw new ApiError("payload_too_large", `A batch holds at most ${MAX_ITEMS_PER_SYNC} items.`);
    }
    return c.json(unwrap(await room(c.env, id).sync(body.secret, body.data)));
  })
  .delete("/:id", writeLimit, ownerFailures, async (c) => {
    const id = shareId(c.req.param("id"));
    const body = await readJson(c.req.raw, DeleteShareBodySchema, MAX_SMALL_BODY_BYTES);
    unwrap(await room(c.env, id).remove(body.secret));
    return c.json({ ok: true });
  })
  .get("/:id", async (c) => {
    // Existence and summary from the head's metadata alone (one R2 HEAD): what the page worker checks before
    // serving a share page, so a missing share answers a real 404.
    const head = await c.env.SHARES.head(headKey(shareId(c.req.param("id"))));
    if (!head) throw new ApiError("share_not_found");
    const meta = head.customMetadata ?? {};
    return c.json(
      {
        id: c.req.param("id"),
        title: meta.title ?? "",
        createdAt: Number(meta.createdAt) || 0,
        updatedAt: Number(meta.updatedAt) || 0,
        seq: Number(meta.seq) || 0,
      } satisfies ShareSummary,
      200,
      { "cache-control": "no-store" },
    );
  })
  .get("/:id/data", async (c) => {
    const id = shareId(c.req.param("id"));
    // One-shot readers (`opencode import`) cannot catch up live, so the room first writes out its last second.
    // It answers share_not_found for an unknown id without creating any storage.
    unwrap(await room(c.env, id).flushNow());
    const reader = countingReader(c.env.SHARES);
    const items = await readItems(reader, id);
    if (!items) throw new ApiError("share_not_found");
    return c.json(items, 200, { "cache-control": "no-store", "x-shareroom-r2-reads": String(reader.reads) });
  })
  .get("/:id/snapshot", async (c) => {
    const reader = countingReader(c.env.SHARES);
    const snapshot = await readSnapshot(reader, shareId(c.req.param("id")));
    if (!snapshot) throw new ApiError("share_not_found");
    return c.json(snapshot, 200, { "cache-control": "no-store", "x-shareroom-r2-reads": String(reader.reads) });
  })
  .get("/:id/blob/:hash{[0-9a-f]{64}}", async (c) => {
    const blob = await readBlob(c.env.SHARES, shareId(c.req.param("id")), c.req.param("hash"));
    if (!blob) throw new ApiError("blob_not_found");
    return new Response(blob.body, { headers: { "content-type": "application/json", "cache-control": "no-store" } });
  });
