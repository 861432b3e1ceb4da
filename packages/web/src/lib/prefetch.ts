/**
 * The share's snapshot, requested as early as possible: announced by the worker as a `<link rel="preload">` in the
 * HTML, and fetched by the entry chunk as soon as it runs, so it downloads while the share page's own chunk is still
 * loading (a round trip less before a large share shows).
 */
let pending: { id: string; response: Promise<Response> } | undefined;

/** Starts `GET /api/share/:id/snapshot` for share `id` (one request; the share page takes it). */
export function prefetchSnapshot(id: string): void {
  // The worker announces this URL as a preload in the page's head; this request takes the preloaded response.
  // (No `cache` option: it would stop the match. The API answers `cache-control: no-store` anyway.)
  const response = fetch(`/api/share/${encodeURIComponent(id)}/snapshot`);
  // A failure is the taker's to handle; until it is taken, it is not an unhandled rejection.
  response.catch(() => undefined);
  pending = { id, response };
}

/** The prefetched snapshot response for share `id`, once; `undefined` when there is none (or it was taken). */
export function takePrefetchedSnapshot(id: string): Promise<Response> | undefined {
  if (pending?.id !== id) return undefined;
  const { response } = pending;
  pending = undefined;
  return response;
}
