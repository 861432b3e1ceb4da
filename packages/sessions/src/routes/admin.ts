/**
 * Operator endpoints, behind the admin token: the answer to shares whose owner lost the secret.
 *
 * | route | what |
 * |---|---|
 * | `GET /api/sessions?cursor=&limit=` | shares with title, times, size and live viewers; cursor pagination |
 * | `GET /api/sessions/:id` | one share's live facts and cumulative storage work (R2 operations, bytes, rows) |
 * | `DELETE /api/sessions/:id` | takedown: deletes the share as its owner's DELETE would |
 */
import type { AdminShareDetail, AdminShareList, AdminShareSummary } from "@shareroom/shared";
import { Hono } from "hono";
import { requireAdmin } from "../middleware/admin";
import { ApiError } from "../middleware/errors";
import { headKey } from "../storage/layout";
import { room, shareId, unwrap } from "./shares";

export const admin = new Hono<{ Bindings: Env }>()
  .use(requireAdmin)
  .get("/", async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query("limit")) || 50, 1), 200);
    const listing = await c.env.SHARES.list({
      prefix: "shares/",
      delimiter: "/",
      limit,
      cursor: c.req.query("cursor") || undefined,
    });
    const ids = listing.delimitedPrefixes.map((prefix) => prefix.slice("shares/".length, -1));
    const sessions = await Promise.all(
      ids.map(async (id): Promise<AdminShareSummary | null> => {
        const head = await c.env.SHARES.head(headKey(id));
        if (!head) return null;
        const meta = head.customMetadata ?? {};
        const info = await room(c.env, id).info();
        return {
          id,
          title: meta.title ?? "",
          createdAt: Number(meta.createdAt) || 0,
          updatedAt: Number(meta.updatedAt) || 0,
          bytes: info.ok ? info.value.bytes : Number(meta.bytes) || 0,
          viewers: info.ok ? info.value.viewers : 0,
        };
      }),
    );
    return c.json({
      sessions: sessions.filter((session) => session !== null),
      cursor: listing.truncated ? listing.cursor : null,
    } satisfies AdminShareList);
  })
  .get("/:id", async (c) => {
    const id = shareId(c.req.param("id"));
    const stub = room(c.env, id);
    const info = unwrap(await stub.info());
    return c.json({ id, ...info, stats: unwrap(await stub.stats()) } satisfies AdminShareDetail);
  })
  .delete("/:id", async (c) => {
    const id = shareId(c.req.param("id"));
    unwrap(await room(c.env, id).remove(null));
    return c.json({ ok: true });
  })
  .all("*", () => {
    throw new ApiError("not_found");
  });
