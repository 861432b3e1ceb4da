/** The page's reads of the sessions API (through the page worker's `/api/*` forwarding, same origin). */
import type { Item, ShareSnapshot } from "@shareroom/shared";
import { ServerMessageSchema } from "@shareroom/shared/live";
import { num, rec, str } from "./data";
import { takePrefetchedSnapshot } from "./prefetch";

/** A read that failed for a reason other than "no such share": network, 5xx, or a body of the wrong shape. */
export class LoadError extends Error {}

/**
 * `GET /api/share/:id/snapshot`: the share as stored in R2 at its `seq`. Returns `null` when no share has this id
 * (404 `share_not_found`, or 400 `invalid_share_id` for an id this server could never have issued).
 * Throws {@link LoadError} for anything else.
 */
export async function fetchSnapshot(id: string, signal?: AbortSignal): Promise<ShareSnapshot | null> {
  let response: Response;
  try {
    response = await (takePrefetchedSnapshot(id) ??
      fetch(`/api/share/${encodeURIComponent(id)}/snapshot`, { signal, cache: "no-store" }));
  } catch (error) {
    throw new LoadError(`network error: ${String(error)}`);
  }
  if (response.status === 404 || response.status === 400) return null;
  if (!response.ok) throw new LoadError(`the server answered ${response.status}`);
  const body = rec(await response.json().catch(() => undefined));
  // The contract exports the entry schema only inside the live message union; a snapshot's entries are the same
  // entries, so they are checked as a `changes` message.
  const entries = ServerMessageSchema.safeParse({ type: "changes", changes: body?.entries });
  const seq = num(body?.seq);
  if (!body || !entries.success || entries.data.type !== "changes" || seq === undefined) {
    throw new LoadError("the snapshot does not have the expected shape");
  }
  return {
    id: str(body.id) ?? id,
    createdAt: num(body.createdAt) ?? 0,
    updatedAt: num(body.updatedAt) ?? 0,
    seq,
    entries: entries.data.changes as ShareSnapshot["entries"],
  };
}

/**
 * `GET /api/share/:id/blob/:hash`: one item stored by reference (over `INLINE_ITEM_MAX_BYTES`).
 * Throws {@link LoadError} when it cannot be read or is not an item `{type, data}`.
 */
export async function fetchBlob(id: string, hash: string): Promise<Item> {
  let response: Response;
  try {
    response = await fetch(`/api/share/${encodeURIComponent(id)}/blob/${encodeURIComponent(hash)}`);
  } catch (error) {
    throw new LoadError(`network error: ${String(error)}`);
  }
  if (!response.ok) throw new LoadError(`the server answered ${response.status}`);
  const item = rec(await response.json().catch(() => undefined));
  if (!item || typeof item.type !== "string" || !("data" in item)) throw new LoadError("not an item");
  return item as Item;
}
