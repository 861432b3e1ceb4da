/** The page's reads of the sessions API (through the page worker's `/api/*` forwarding, same origin). */
import type { Item, ShareSnapshot } from "@shareroom/shared";
import { ShareSnapshotSchema } from "@shareroom/shared/live";
import { rec } from "./data";
import { takePrefetched } from "./prefetch";

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
    const path = `/api/share/${encodeURIComponent(id)}/snapshot`;
    response = await (takePrefetched(id, path) ?? fetch(path, { signal, cache: "no-store" }));
  } catch (error) {
    throw new LoadError(`network error: ${String(error)}`);
  }
  if (response.status === 404 || response.status === 400) return null;
  if (!response.ok) throw new LoadError(`the server answered ${response.status}`);
  const parsed = ShareSnapshotSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new LoadError("the snapshot does not have the expected shape");
  return parsed.data as ShareSnapshot;
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
