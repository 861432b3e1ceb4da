/** `GET /ws/:id?since=<seq>`: a viewer's WebSocket, forwarded to the share's ShareRoom (see `@shareroom/shared` live.ts). */
import { parseSince } from "@shareroom/shared";
import { Hono } from "hono";
import { ApiError } from "../middleware/errors";
import { readLimit, room, shareId } from "./shares";

export const live = new Hono<{ Bindings: Env }>().get("/:id", readLimit, async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("upgrade_required");
  const id = shareId(c.req.param("id"));
  const since = parseSince(c.req.query("since"));
  if (since === null) throw new ApiError("invalid_since");
  // Forward only what the room reads, so no query parameter of the client's can select another mode.
  const url = new URL(c.req.url);
  url.search = `?since=${since}`;
  return room(c.env, id).fetch(new Request(url, c.req.raw));
});
