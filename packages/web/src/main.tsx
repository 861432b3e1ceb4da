/**
 * The page's entry: picks the page from the path. The share and admin pages are chunks of their own, loaded on
 * demand; the landing and not-found pages stay in this small entry. When the worker answered 404 (it marks
 * `<html data-status="404">`), the not-found view shows at once, with no chunk loaded and no request made.
 */
import { lazy, Suspense } from "solid-js";
import { render } from "solid-js/web";
import { prefetchShare } from "./lib/prefetch";
import { routeOf } from "./lib/route";
import LandingPage from "./pages/landing";
import NotFoundPage, { ShareNotFound } from "./pages/not-found";
import "./styles.css";

const SharePage = lazy(() => import("./pages/share"));
const AdminPage = lazy(() => import("./pages/admin"));

function App() {
  const route = routeOf(location.pathname);
  const missing = document.documentElement.dataset.status === "404";
  switch (route.page) {
    case "share":
      if (missing) return <ShareNotFound />;
      prefetchShare(route.id);
      return (
        <Suspense fallback={<p class="loading muted">Loading share…</p>}>
          <SharePage id={route.id} />
        </Suspense>
      );
    case "admin":
      return (
        <Suspense fallback={<p class="loading muted">Loading…</p>}>
          <AdminPage />
        </Suspense>
      );
    case "landing":
      return <LandingPage />;
    default:
      return <NotFoundPage />;
  }
}

render(() => <App />, document.getElementById("root")!);
