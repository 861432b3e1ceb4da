/** The page's entry: picks the page from the path. The share page is its own chunk; the landing page stays tiny. */
import { lazy, Suspense } from "solid-js";
import { render } from "solid-js/web";
import { routeOf } from "./lib/route";
import LandingPage from "./pages/landing";
import NotFoundPage from "./pages/not-found";
import "./styles.css";

const SharePage = lazy(() => import("./pages/share"));

function App() {
  const route = routeOf(location.pathname);
  switch (route.page) {
    case "share":
      return (
        <Suspense fallback={<p class="loading muted">Loading share…</p>}>
          <SharePage id={route.id} />
        </Suspense>
      );
    case "landing":
      return <LandingPage />;
    default:
      return <NotFoundPage />;
  }
}

render(() => <App />, document.getElementById("root")!);
