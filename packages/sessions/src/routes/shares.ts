/**
 * The writes of the opencode-compatible share API (docs/opencode-protocol.md, "The current protocol"); the reads are
 * in `reads.ts`.
 *
 * | route | what |
 * |---|---|
 * | `POST /api/share` | create a share → `{id, url, secret}` |
 * | `POST /api/share/:id/sync` | apply a batch of items (through the share's ShareRoom) |
 * | `DELETE /api/share/:id` | delete the share, JSON body `{secret}` |
 */
import {
  CreateShareBodySchema,
  type CreateShareResponse,
  DeleteShareBodySchema,
  MAX_SMALL_BODY_BYTES,
  MAX_SYNC_BODY_BYTES,
  SHARE_ID_PATTERN,
} from "@shareroom/shared";
import { Hono, type MiddlewareHandler } from "hono";
import { readBytes, readJson } from "../middleware/body";
import { ApiError } from "../middleware/errors";
import {
  clientIp,
  createLimit,
  type LimitedEnv,
  rateLimit,
  secretFailureLimit,
  writeLimit,
} from "../middleware/rate-limit";
import { mark, startSpans } from "../room/spans";
import { newSecret, newShareId, sha256Hex } from "../secrets";
import type { RoomResult } from "../share-room";

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
  if (!result.ok) {
    const headers = result.retryAfter === undefined ? undefined : { "retry-after": String(result.retryAfter) };
    throw new ApiError(result.code, result.message, headers);
  }
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

/**
 * Sync bodies of a declared length up to this many bytes go to the room as bytes; larger ones (up to
 * `MAX_SYNC_BODY_BYTES`, 32 MiB) and undeclared ones as a stream. Bytes are read whole in the worker before the room
 * checks the secret, so this bounds what one request holds in the API isolate (128 MB for all its requests); 8 MiB
 * is twice the CLI's batch and well under a Workers RPC message's 32 MiB
 * (https://developers.cloudflare.com/workers/runtime-apis/rpc/).
 */
const SYNC_BODY_AS_BYTES_MAX = 8 * 1024 * 1024;

/** Starts the sync path's timing spans (`room/spans.ts`: off in the product) as the request reaches the route. */
const syncSpans: MiddlewareHandler<LimitedEnv> = async (_c, next) => {
  startSpans();
  await next();
};

/** Failed secrets and unknown ids on `/:id` mutations, counted against the address and the share in the path. */
const ownerFailures = secretFailureLimit((c) => c.req.param("id"));

export const shares = new Hono<LimitedEnv>()
  .post("/", createLimit, async (c) => {
    const body = await readJson(c.req.raw, CreateShareBodySchema, MAX_SMALL_BODY_BYTES);
    const { id, secret } = await createShare(c.env, body.sessionID, newSecret());
    return c.json({ id, url: `${publicOrigin(c.env, c.req.raw)}/share/${id}`, secret } satisfies CreateShareResponse);
  })
  .post("/:id/sync", syncSpans, writeLimit, ownerFailures, async (c) => {
    mark("worker: write limit");
    const id = shareId(c.req.param("id")!);
    // The body goes to the room as bytes and is parsed once, there (a structured clone of parsed items could
    // exceed the RPC size limit); only a declared length over the limit is refused here, before waking it. The
    // per-share sync budget is counted by the room, once the secret has verified (room/budget.ts).
    const declared = Number(c.req.header("content-length"));
    if (Number.isFinite(declared) && declared > MAX_SYNC_BODY_BYTES) {
      throw new ApiError("payload_too_large", `The body is ${declared} bytes; the limit is ${MAX_SYNC_BODY_BYTES}.`);
    }
    // A body of a declared length that fits one RPC message goes as bytes, read here in one piece: the room gets it
    // whole in a single copy, where a stream costs a pipe between the two and a read loop in the room.
    const body =
      Number.isFinite(declared) && declared <= SYNC_BODY_AS_BYTES_MAX ? await readBytes(c.req.raw) : c.req.raw.body;
    mark("worker: read body");
    const result = await room(c.env, id).syncBody(body);
    mark("commit and answer");
    return c.json(unwrap(result));
  })
  .delete("/:id", writeLimit, ownerFailures, async (c) => {
    const id = shareId(c.req.param("id"));
    const body = await readJson(c.req.raw, DeleteShareBodySchema, MAX_SMALL_BODY_BYTES);
    unwrap(await room(c.env, id).remove(body.secret));
    return c.json({ ok: true });
  });
