/** The page's routes, read from `location.pathname` (four routes do not need a router). */
export type Route = { page: "landing" } | { page: "admin" } | { page: "share"; id: string } | { page: "not_found" };

/** Maps a pathname to its route: `/` → landing, `/admin` → admin, `/share/<id>` → share, anything else → not found. */
export function routeOf(pathname: string): Route {
  if (pathname === "/" || pathname === "/index.html") return { page: "landing" };
  if (pathname === "/admin" || pathname === "/admin/") return { page: "admin" };
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
