/**
 * The legacy opencode share protocol (CLI ≤ 1.0.143, `OPENCODE_API=<origin>`), mapped onto the same storage and
 * the same ShareRoom as the current one, so a legacy share is viewable on the same page. Source: docs/opencode-protocol.md,
 * "The legacy protocol" (the old opencode share worker, `packages/function` in the opencode repository).
 *
 * | route | what |
 * |---|---|
 * | `POST /share_create` `{sessionID}` | → `{url, secret}`; `url` is `<page origin>/s/<id>` |
 * | `POST /share_sync` `{sessionID, secret, key, content}` | one key per request, mapped to an item |
 * | `POST /share_delete` `{sessionID, secret}` | deletes the share |
 * | `GET /share_data?id=<id>` | `{info, messages: {[messageID]: {...message, parts}}}` |
 * | `GET /share_poll?id=<id>` | WebSocket: every stored `{key, content}`, then each new one |
 *
 * Legacy clients name a share by its session id, not its share id, so the secret handed out is
 * `<share id>.<random>`: the share is found from the secret alone, and no session id → share id index exists.
 */
import { type Item, MAX_SMALL_BODY_BYTES, MAX_SYNC_BODY_BYTES } from "@shareroom/shared";
import { Hono } from "hono";
import { z } from "zod";
import { readJson } from "../middleware/body";
import { ApiError } from "../middleware/errors";
import { createLimit, type LimitedEnv, secretFailureLimit, writeLimit } from "../middleware/rate-limit";
import { newSecret } from "../secrets";
import { itemsIn, jsonStream, openShare, type ShareIndex } from "../storage/read";
import { createShare, publicOrigin, readLimit, room, shareId, unwrap } from "./shares";

const CreateBody = z.looseObject({ sessionID: z.string().min(1).max(256) });
const OwnerBody = z.looseObject({ sessionID: z.string().min(1).max(256), secret: z.string().min(1).max(256) });
const SyncBody = OwnerBody.extend({ key: z.string().min(1).max(1024), content: z.unknown() });

/** The share id inside a legacy secret (`<id>.<random>`). Errors: `invalid_secret` for any other shape. */
function shareOf(secret: string): string {
  const id = secret.split(".")[0] ?? "";
  try {
    return shareId(id);
  } catch {
    throw new ApiError("invalid_secret");
  }
}

/**
 * The item for a legacy key: `session/info/<sid>` → session, `session/message/<sid>/<mid>` → message,
 * `session/part/<sid>/<mid>/<pid>` → part. Errors: `invalid_body` for any other key.
 */
export function legacyItem(key: string, content: unknown): Item {
  const [root, kind] = key.split("/");
  if (root === "session" && kind === "info") return { type: "session", data: content as never };
  if (root === "session" && kind === "message") return { type: "message", data: content as never };
  if (root === "session" && kind === "part") return { type: "part", data: content as never };
  throw new ApiError("invalid_body", `Unknown legacy key "${key.slice(0, 100)}".`);
}

/**
 * The body of legacy `GET /share_data`, `{info, messages: {[messageID]: {...message, parts}}}`, as JSON text pieces:
 * `info` is the session (or `null`), messages in key order, each message's parts sorted by id. Streamed one item at
 * a time from the index (parts of a message are the keys `part/<messageID>/…`, adjacent in key order), so neither
 * the share nor one message's parts are held whole. Message ids are written as JSON keys, never used to look up a
 * plain object, so ids such as `constructor` or `__proto__` are ordinary ids.
 */
export async function* legacyShareData(index: ShareIndex): AsyncGenerator<string> {
  let info: unknown = null;
  for await (const [, item] of itemsIn(index, index.range("session"))) if (item.type === "session") info = item.data;
  yield `{"info":${JSON.stringify(info)},"messages":{`;
  // One pass over the parts beside the one over the messages. Both are in key order, and `part/<id>/` sorts as
  // `message/<id>` does for ids of characters after `/` (real ids: `msg_` and alphanumerics); a message id with `-`
  // or `.` may not, so its parts are read on their own.
  // Entries only: a part is loaded (its blob read, if any) only when it is emitted.
  const parts = index.entries(index.range("part/"))[Symbol.asyncIterator]();
  try {
    let part = await parts.next();
    let first = true;
    for await (const [, message] of itemsIn(index, index.range("message/"))) {
      if (message.type !== "message") continue;
      const data = message.data as { id: string };
      // The parts go where `parts` sits in `{...message, parts}`: a random marker stands in for them.
      const marker = `parts:${crypto.randomUUID()}`;
      const [before, after] = JSON.stringify({ ...data, parts: marker }).split(JSON.stringify(marker));
      yield `${first ? "" : ","}${JSON.stringify(data.id)}:${before}[`;
      first = false;
      let firstPart = true;
      const emit = function* (item: Item) {
        if (item.type !== "part") return;
        yield (firstPart ? "" : ",") + JSON.stringify(item.data);
        firstPart = false;
      };
      const [from, to] = index.range(`part/${data.id}/`);
      if (/[-.]/.test(data.id)) {
        for await (const [, item] of itemsIn(index, [from, to])) yield* emit(item);
      } else {
        while (!part.done && part.value[0].key < from) part = await parts.next();
        while (!part.done && part.value[0].key < to) {
          yield* emit(await index.item(part.value[0], part.value[1]));
          part = await parts.next();
        }
      }
      yield `]${after}`;
    }
  } finally {
    await parts.return?.(undefined);
  }
  yield "}}";
}

/** Failed secrets and unknown ids, counted against the address and the share named by the secret. */
const ownerFailures = secretFailureLimit((c) => c.get("shareId"));

export const legacy = new Hono<LimitedEnv>()
  .post("/share_create", createLimit, async (c) => {
    const body = await readJson(c.req.raw, CreateBody, MAX_SMALL_BODY_BYTES);
    const { id, secret } = await createShare(c.env, body.sessionID, (id) => `${id}.${newSecret()}`);
    return c.json({ url: `${publicOrigin(c.env, c.req.raw)}/s/${id}`, secret });
  })
  .post("/share_sync", writeLimit, ownerFailures, async (c) => {
    const body = await readJson(c.req.raw, SyncBody, MAX_SYNC_BODY_BYTES);
    c.set("shareId", shareOf(body.secret));
    const result = unwrap(
      await room(c.env, shareOf(body.secret)).sync(body.secret, [legacyItem(body.key, body.content)], [], {
        charged: false,
      }),
    );
    if (result.refused.length > 0) throw new ApiError("invalid_body", result.refused[0]!.message);
    return c.json({});
  })
  .post("/share_delete", writeLimit, ownerFailures, async (c) => {
    const body = await readJson(c.req.raw, OwnerBody, MAX_SMALL_BODY_BYTES);
    c.set("shareId", shareOf(body.secret));
    unwrap(await room(c.env, shareOf(body.secret)).remove(body.secret));
    return c.json({});
  })
  .get("/share_data", readLimit, async (c) => {
    const id = shareId(c.req.query("id") ?? "");
    const index = await openShare(c.env.SHARES, id);
    if (!index || "notModified" in index) throw new ApiError("share_not_found");
    await index.checkBlobs();
    return c.body(jsonStream(legacyShareData(index), `GET /share_data?id=${id}`), 200, {
      "content-type": "application/json",
    });
  })
  .get("/share_poll", readLimit, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("upgrade_required");
    const id = shareId(c.req.query("id") ?? "");
    const url = new URL(c.req.url);
    url.searchParams.set("legacy", "1");
    return room(c.env, id).fetch(new Request(url, c.req.raw));
  });
