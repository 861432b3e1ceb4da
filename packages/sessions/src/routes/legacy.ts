/**
 * The legacy opencode share protocol (CLI ≤ 1.0.143, `OPENCODE_API=<origin>`), mapped onto the same storage and
 * the same ShareRoom as the current one, so a legacy share is viewable on the same page. Source: protocol reference
 * §2 (the old opencode share worker, `packages/function` in the opencode repository).
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
import { readItems } from "../storage/read";
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
      await room(c.env, shareOf(body.secret)).sync(body.secret, [legacyItem(body.key, body.content)]),
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
    const items = await readItems(c.env.SHARES, id);
    if (!items) throw new ApiError("share_not_found");
    const messages: Record<string, Record<string, unknown> & { parts: unknown[] }> = {};
    let info: unknown = null;
    for (const item of items) if (item.type === "session") info = item.data;
    for (const item of items) {
      if (item.type !== "message") continue;
      const data = item.data as { id: string };
      messages[data.id] = { ...data, parts: [] };
    }
    for (const item of items) {
      if (item.type !== "part") continue;
      const data = item.data as { messageID: string; id: string };
      messages[data.messageID]?.parts.push(data);
    }
    for (const message of Object.values(messages)) {
      (message.parts as { id: string }[]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return c.json({ info, messages });
  })
  .get("/share_poll", readLimit, async (c) => {
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("upgrade_required");
    const id = shareId(c.req.query("id") ?? "");
    const url = new URL(c.req.url);
    url.searchParams.set("legacy", "1");
    return room(c.env, id).fetch(new Request(url, c.req.raw));
  });
