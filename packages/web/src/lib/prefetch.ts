/**
 * The share's first data, requested as early as possible: announced by the worker as a `<link rel="preload">` in
 * the HTML (the head where the server has one, else the snapshot), and fetched by the entry chunk as soon as it
 * runs, so it downloads while the share page's own chunk is still loading (a round trip less before a share shows);
 * likewise the newest segment, which holds the latest turn.
 */
let pending: { id: string; url: string; response: Promise<Response> } | undefined;
/** The newest segment's read, begun with the first read (same shape). */
let segment: { id: string; url: string; response: Promise<Response> } | undefined;

/** The same-origin path the worker preloads for this page, else `fallback`. */
function preloadedPath(fallback: string): string {
  const link = document.querySelector<HTMLLinkElement>('link[rel="preload"][as="fetch"]');
  const href = link?.getAttribute("href");
  return href?.startsWith("/api/share/") ? href : fallback;
}

/** Starts the first read of share `id`: the path the worker preloads, else `GET /api/share/:id/snapshot`. */
export function prefetchShare(id: string): void {
  const url = preloadedPath(`/api/share/${encodeURIComponent(id)}/snapshot`);
  // No `cache` option: it would stop the match with the preload, which uses the default mode.
  const response = fetch(url);
  // A failure is the taker's to handle; until it is taken, it is not an unhandled rejection.
  response.catch(() => undefined);
  pending = { id, url, response };
  // The newest segment the worker announced too: kept for the page, which parses it as soon as it has the head
  // (takePrefetchedSegment). A copy is read to its end here, so that the body reaches the HTTP cache even when the
  // page does not take it (the head it read lists another newest segment): the segment worker then finds it there.
  const segments = `/api/share/${encodeURIComponent(id)}/segments/`;
  for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel="preload"][as="fetch"]')) {
    const href = link.getAttribute("href");
    if (!href?.startsWith(segments)) continue;
    const answer = fetch(href).then((response) => {
      void response
        .clone()
        .arrayBuffer()
        .catch(() => undefined);
      return response;
    });
    answer.catch(() => undefined);
    segment = { id, url: href, response: answer };
  }
}

/** The prefetched response of `url` for share `id`, once; `undefined` when there is none (or it was taken). */
export function takePrefetched(id: string, url: string): Promise<Response> | undefined {
  if (pending?.id !== id || pending.url !== url) return undefined;
  const { response } = pending;
  pending = undefined;
  return response;
}

/** The path prefetched for share `id` and not yet taken, or `undefined`. */
export function prefetchedPath(id: string): string | undefined {
  return pending?.id === id ? pending.url : undefined;
}

/**
 * The prefetched response of segment `url` (its same-origin path) of share `id`, once; `undefined` when the worker
 * announced no such segment (or it was taken).
 */
export function takePrefetchedSegment(id: string, url: string): Promise<Response> | undefined {
  if (segment?.id !== id || segment.url !== url) return undefined;
  const { response } = segment;
  segment = undefined;
  return response;
}
