/**
 * The sessions worker: the shareroom API. Routes are mounted here as a table; each file under `routes/` owns one
 * surface, `middleware/` the cross-cutting concerns, `storage/` the R2 layout, `share-room.ts` the Durable Object.
 */
import { Hono } from "hono";
import { errorResponse, onError } from "./middleware/errors";
import { apiHeaders } from "./middleware/headers";
import { admin } from "./routes/admin";
import { legacy } from "./routes/legacy";
import { live } from "./routes/live";
import { reads } from "./routes/reads";
import { shares } from "./routes/shares";

export { ShareRoom } from "./share-room";

const app = new Hono<{ Bindings: Env }>()
  .use(apiHeaders)
  .route("/api/share", shares)
  .route("/api/share", reads)
  .route("/api/sessions", admin)
  .route("/ws", live)
  .route("/", legacy)
  .get("/api/health", (c) => c.json({ ok: true }));

app.onError(onError);
app.notFound(() => errorResponse("not_found"));

export default app satisfies ExportedHandler<Env>;
