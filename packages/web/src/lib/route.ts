/** The page's routes, read from `location.pathname` (three routes do not need a router). */
export type Route = { page: "landing" } | { page: "share"; id: string } | { page: "not_found" };

/** Maps a pathname to its route: `/` → landing, `/share/<id>` → share, anything else → not found. */
export function routeOf(pathname: string): Route {
  if (pathname === "/" || pathname === "/index.html") return { page: "landing" };
  const share = /^\/share\/([^/]+)\/?$/.exec(pathname);
  if (share) {
    try {
      return { page: "share", id: decodeURIComponent(share[1]!) };
    } catch {
      return { page: "not_found" };
    }
  }
  return { page: "not_found" };
}
