/**
 * The share's first data, requested as early as possible: announced by the worker as a `<link rel="preload">` in
 * the HTML (the head where the server has one, else the snapshot), and fetched by the entry chunk as soon as it
 * runs, so it downloads while the share page's own chunk is still loading (a round trip less before a share shows);
 * likewise the newest segment, which holds the latest turn.
 */
let pending: { id: string; url: string; response: Promise<Response> } | undefined;

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
  // The newest segment the worker announced too: read whole here, unparsed, so the preload is used; the segment
  // worker then gets it from the HTTP cache (segments are immutable), without a second download.
  const segments = `/api/share/${encodeURIComponent(id)}/segments/`;
  for (const link of document.querySelectorAll<HTMLLinkElement>('link[rel="preload"][as="fetch"]')) {
    const href = link.getAttribute("href");
    if (href?.startsWith(segments))
      void fetch(href)
        .then(
          (answer) => answer.arrayBuffer(),
          () => undefined,
        )
        .catch(() => undefined);
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
