/**
 * The reads of a share, all from R2 alone except `/data`'s flush (storage: `storage/read.ts`, bounded memory; the
 * page's first paint reads the head, then the segments it names, newest first).
 *
 * | route | what |
 * |---|---|
 * | `GET /api/share/:id` | {@link ShareSummary}: does the share exist, its title and times (one R2 HEAD) |
 * | `GET /api/share/:id/head` | the head object as stored; `ETag`, 304 on `If-None-Match`, `no-cache` |
 * | `GET /api/share/:id/segments/<lo>-<hi>.json` | one immutable segment `{lo, hi, entries}` (`SegmentInfo.name`) |
 * | `GET /api/share/:id/segments/<lo>-<hi>.json?newest` | its newest entries only, `"newest": true` (`readNewestEntries`) |
 * | `GET /api/share/:id/data` | `Item[]` (used by `opencode import`), streamed |
 * | `GET /api/share/:id/snapshot` | {@link ShareSnapshot} with its `seq`, for the page, streamed; `ETag`, 304 |
 * | `GET /api/share/:id/blob/:hash` | one item stored by reference |
 */
import type { ShareSummary } from "@shareroom/shared";
import { Hono } from "hono";
import { ApiError } from "../middleware/errors";
import { headKey, sharePrefix } from "../storage/layout";
import { countingReader } from "../storage/meter";
import {
  etagMatches,
  headEtag,
  itemsJson,
  jsonStream,
  openShare,
  r2,
  readBlob,
  readNewestEntries,
  StorageError,
  snapshotJson,
} from "../storage/read";
import { readLimit, room, shareId, unwrap } from "./shares";

/** `Cache-Control` of a segment: its name is its seq range, so its bytes never change while it exists. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

const json = "application/json";

export const reads = new Hono<{ Bindings: Env }>()
  // "/:id/*" also matches "/:id" itself.
  .on(["GET", "HEAD"], "/:id/*", readLimit)
  .get("/:id", async (c) => {
    // Existence and summary from the head's metadata alone (one R2 HEAD): what the page worker checks before
    // serving a share page, so a missing share answers a real 404.
    const id = shareId(c.req.param("id"));
    const head = await r2(`share ${id}: HEAD of the head`, () => c.env.SHARES.head(headKey(id)));
    if (!head) throw new ApiError("share_not_found");
    const meta = head.customMetadata ?? {};
    return c.json(
      {
        id,
        title: meta.title ?? "",
        createdAt: Number(meta.createdAt) || 0,
        updatedAt: Number(meta.updatedAt) || 0,
        seq: Number(meta.seq) || 0,
      } satisfies ShareSummary,
      200,
      { "cache-control": "no-store" },
    );
  })
  .get("/:id/head", async (c) => {
    const id = shareId(c.req.param("id"));
    const object = await r2(`share ${id}: reading the head`, () => c.env.SHARES.get(headKey(id)));
    if (!object) throw new ApiError("share_not_found");
    const seq = Number(object.customMetadata?.seq);
    if (!Number.isSafeInteger(seq)) throw new StorageError(`share ${id}: the head carries no seq`);
    const etag = headEtag(seq, object.etag);
    const headers = { etag, "cache-control": "no-cache", "content-type": json };
    if (etagMatches(c.req.header("if-none-match"), etag)) {
      await object.body.cancel();
      return c.body(null, 304, headers);
    }
    return c.body(object.body, 200, headers);
  })
  .get("/:id/segments/:name{[0-9]+-[0-9]+\\.json}", async (c) => {
    const id = shareId(c.req.param("id"));
    const name = `segments/${c.req.param("name")}`;
    if (c.req.query("newest") !== undefined) {
      const [lo, hi] = c.req.param("name").slice(0, -".json".length).split("-").map(Number) as [number, number];
      const found = await readNewestEntries(c.env.SHARES, id, name, [lo, hi]);
      if (!found) throw new ApiError("segment_not_found");
      const headers = { "cache-control": IMMUTABLE, "content-type": json };
      return c.body(typeof found === "string" ? found : found.body, 200, headers);
    }
    const ifNoneMatch = c.req.header("if-none-match");
    const object = await r2(`share ${id}: reading ${name}`, () =>
      // R2 answers the object without its body when the client already holds it.
      c.env.SHARES.get(
        sharePrefix(id) + name,
        ifNoneMatch ? { onlyIf: new Headers({ "if-none-match": ifNoneMatch }) } : {},
      ),
    );
    if (!object) throw new ApiError("segment_not_found");
    const headers = { etag: object.httpEtag, "cache-control": IMMUTABLE, "content-type": json };
    if (!("body" in object)) return c.body(null, 304, headers);
    return c.body(object.body, 200, headers);
  })
  .get("/:id/data", async (c) => {
    const id = shareId(c.req.param("id"));
    // One-shot readers (`opencode import`) cannot catch up live, so the room first writes out its last second.
    // It answers share_not_found for an unknown id without creating any storage.
    unwrap(await room(c.env, id).flushNow());
    const reader = countingReader(c.env.SHARES);
    const index = await openShare(reader, id);
    // The room holds the share, so its head must be there: a missing one is storage failing, never an empty share.
    if (!index || "notModified" in index) throw new StorageError(`share ${id}: the room holds it but R2 has no head`);
    await index.checkBlobs();
    return c.body(jsonStream(itemsJson(index), `GET /api/share/${id}/data`), 200, {
      "content-type": json,
      "cache-control": "no-store",
      "x-shareroom-r2-reads": String(reader.reads),
    });
  })
  .get("/:id/snapshot", async (c) => {
    const id = shareId(c.req.param("id"));
    const reader = countingReader(c.env.SHARES);
    const index = await openShare(reader, id, { ifNoneMatch: c.req.header("if-none-match") });
    if (!index) throw new ApiError("share_not_found");
    if ("notModified" in index) {
      return c.body(null, 304, { etag: index.notModified, "cache-control": "no-cache" });
    }
    return c.body(jsonStream(snapshotJson(index), `GET /api/share/${id}/snapshot`), 200, {
      "content-type": json,
      etag: index.etag,
      "cache-control": "no-cache",
      "x-shareroom-r2-reads": String(reader.reads),
    });
  })
  .get("/:id/blob/:hash{[0-9a-f]{64}}", async (c) => {
    const blob = await readBlob(c.env.SHARES, shareId(c.req.param("id")), c.req.param("hash"));
    if (!blob) throw new ApiError("blob_not_found");
    return c.body(blob.body, 200, { "content-type": json, "cache-control": "no-store" });
  });
