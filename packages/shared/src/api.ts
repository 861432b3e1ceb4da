/**
 * Request and response bodies of the HTTP API (`docs/api.md`).
 * Source for the opencode-compatible routes: docs/opencode-protocol.md §1 (`POST /api/share`, `/sync`, `DELETE`,
 * `GET /data`).
 */
import { z } from "zod";
import type { ItemRefusalCode } from "./errors.ts";
import type { Item } from "./items.ts";
import { MAX_REMOVALS_PER_SYNC } from "./limits.ts";
import { ID_PATTERN } from "./patterns.ts";

/** `POST /api/share` body. `sessionID` is the opencode session id (`ses_…`). */
export const CreateShareBodySchema = z.looseObject({ sessionID: z.string().regex(ID_PATTERN) });

/** `POST /api/share` answer: what the CLI stores and shows. `url` is `<public web origin>/share/<id>`. */
export interface CreateShareResponse {
  id: string;
  url: string;
  secret: string;
}

/**
 * `POST /api/share/:id/sync` body. `data` is checked element by element later (see `checkItem`), so one bad item
 * never costs the batch its good items.
 *
 * `removed` is shareroom's extension, never sent by the opencode CLI: item keys (as {@link itemKey} builds them) to
 * delete from the share, applied after `data`'s items of the same batch. Removing `message/<id>` removes that
 * message's parts (`part/<id>/…`) too; a key that is not stored is ignored. Each removed key gets a `seq` like any
 * change and reaches viewers as a `removed` message (`live.ts`). Used by `shareroom share` when a transcript drops
 * messages (Gemini CLI's `$rewindTo`). Older servers ignore the field.
 */
export const SyncBodySchema = z.looseObject({
  secret: z.string().min(1).max(256),
  data: z.array(z.unknown()),
  removed: z.array(z.string().min(1).max(512)).max(MAX_REMOVALS_PER_SYNC).optional(),
});
export type SyncBody = z.infer<typeof SyncBodySchema>;

/** One removal as stored and broadcast: the removed item key and the `seq` the removal was given. */
export interface Removal {
  key: string;
  seq: number;
}

/** One item of a sync batch that was not stored, with its position in `data`. */
export interface RefusedItem {
  index: number;
  code: ItemRefusalCode;
  message: string;
}

/**
 * `POST /api/share/:id/sync` answer (the CLI ignores it; other clients may read it).
 * `seq` is the share's sequence number after the batch; `redacted` counts secrets replaced on ingest (see
 * `REDACTION_PATTERN`); `accepted` counts items that changed stored state,
 * `unchanged` those identical to, or older than, what was stored (see the merge rule); `removed` counts stored
 * keys deleted by the batch's `removed` list (parts removed with their message included).
 */
export interface SyncResponse {
  ok: true;
  seq: number;
  accepted: number;
  unchanged: number;
  removed?: number;
  redacted: number;
  refused: RefusedItem[];
}

/** `DELETE /api/share/:id` body: the JSON body the CLI sends on unshare. */
export const DeleteShareBodySchema = z.looseObject({ secret: z.string().min(1).max(256) });

/**
 * A reference to an item too large to inline (over `INLINE_ITEM_MAX_BYTES`): stored in R2 as its own blob,
 * addressed by the SHA-256 (hex) of its JSON, `bytes` long. Fetch it from `GET /api/share/:id/blob/:hash`.
 */
export interface BlobRef {
  hash: string;
  bytes: number;
  /** The referenced item's type (and part type), so a page can lay it out before loading it. */
  type: string;
}

/**
 * One stored item with the sequence number of its last change: inline, or by reference. Entries read from R2 may
 * carry `epoch`, merge-rule bookkeeping of the server (see docs/storage.md); viewers ignore it.
 */
export type Entry =
  | { key: string; seq: number; item: Item; epoch?: number }
  | { key: string; seq: number; ref: BlobRef; epoch?: number };

/**
 * `GET /api/share/:id/snapshot`: the share as stored in R2 at sequence number `seq`, for the page. Times are Unix
 * milliseconds. Subscribe to `/ws/:id?since=<seq>` for what came after.
 */
export interface ShareSnapshot {
  id: string;
  createdAt: number;
  updatedAt: number;
  seq: number;
  entries: Entry[];
}

/**
 * `GET /api/share/:id`: whether a share exists, with its title (from its session, may be empty), times (Unix ms)
 * and the seq R2 reflects. One R2 HEAD; no Durable Object involved.
 */
export interface ShareSummary {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  seq: number;
}

/** One share in the operator's listing (`GET /api/sessions`). Times are Unix ms; `bytes` is its items' live JSON size. */
export interface AdminShareSummary {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  bytes: number;
  viewers: number;
}

/** `GET /api/sessions` answer; pass `cursor` back for the next page (`null`: no more). */
export interface AdminShareList {
  sessions: AdminShareSummary[];
  cursor: string | null;
}

/**
 * Cumulative storage work of one share since its creation, as its ShareRoom counted it (`GET /api/sessions/:id`).
 * Bytes are bytes of R2 object bodies; `rowsWritten` counts item rows upserted in the Durable Object.
 */
export interface StorageStats {
  syncs: number;
  rowsWritten: number;
  r2Puts: number;
  r2BytesWritten: number;
  r2Gets: number;
  r2BytesRead: number;
  r2Deletes: number;
  r2Lists: number;
}

/** `GET /api/sessions/:id` answer: live facts of the share's room and its storage work. */
export interface AdminShareDetail {
  id: string;
  viewers: number;
  seq: number;
  bytes: number;
  hydrated: boolean;
  stats: StorageStats;
}
