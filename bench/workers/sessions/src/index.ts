/**
 * The sessions worker with bench-only additions. Everything outside `/__bench/` is the product worker, unchanged
 * (`packages/sessions/src/index.ts`); the additions give the benchmarks their floors in the same runtime. Its
 * wrangler config is the product's own, with this module as `main` and the two classes below added; the bench writes
 * it at run time (`sessionsConfig` in bench/src/servers.ts) so it never drifts from packages/sessions/wrangler.jsonc.
 *
 * | route | what |
 * |---|---|
 * | `POST /__bench/noop` | reads the body and discards it: the floor for `POST /api/share/:id/sync` |
 * | `POST /__bench/noop?limit=1` | the same, after one `WRITE_LIMITER` call keyed as the product keys a sync's (`write:<address>`): the floor plus the per-address check every sync must pass first |
 * | `POST /__bench/flush/:id` | the share's `flushNow()` (what `GET /data` does before reading), without the read; answers `{seq, headBytes, segments}`: the size of the head object now in R2 and the `{name, bytes}` of each segment it names |
 * | `POST /__bench/compact/:id` | runs the share's alarm duties as 10 minutes from now (`tick`), so the idle compaction runs at once |
 * | `GET /__bench/bare/:name` | a viewer WebSocket on the bare Durable Object `name` (the fan-out floor) |
 * | `POST /__bench/bare/:name` | broadcasts the body, as is, to every viewer of `name`; answers the viewer count |
 * | `POST /__bench/bare/:name?durable=1` | the same, after writing the body to one SQLite row (the floor plus durability) |
 * | `POST /__bench/bare/:name?durable=1&limit=1` | the same, after one `WRITE_LIMITER` call in the worker first (the floor plus durability plus the write limiter) |
 * | `POST /__bench/redact?repeat=N` | redacts the body's batches (`[[item, …], …]`) as the room redacts a sync's changed items (`redactEntries`), every batch `N` times after one warm-up pass; answers `{ms, runs}`: the wall time of the timed passes and how many batch redactions they made |
 * | `POST /__bench/spans/:id` | the sync-path spans (`packages/sessions/src/room/spans.ts`) the share's room recorded since the last call: `{name: {ms, count}}` |
 * | any product route or `/__bench/flush` + `x-bench-redact: false` | the same, served by {@link ShareRoomUnredacted} |
 */

import { DurableObject } from "cloudflare:workers";
import type { Item } from "@shareroom/shared";
import sessions, { ShareRoom as ProductShareRoom } from "../../../../packages/sessions/src/index";
import { writeLimitKey } from "../../../../packages/sessions/src/middleware/rate-limit";
import { redactEntries } from "../../../../packages/sessions/src/redact";
import { recordSpans, type SpanTotals, takeSpans } from "../../../../packages/sessions/src/room/spans";
import { type Head, headKey, IDLE_COMPACT_MS } from "../../../../packages/sessions/src/storage/layout";

// Spans cost one clock read each; the bench reports them beside its figures (docs/performance.md).
recordSpans();

/** The product's ShareRoom, plus one RPC method that hands the bench the spans recorded in its isolate. */
export class ShareRoom extends ProductShareRoom {
  /** The spans recorded in this isolate since the last call, as `{span name: {count, ms}}`; resets them. */
  benchSpans(): SpanTotals {
    return takeSpans();
  }
}

interface BenchEnv extends Env {
  SHARE_ROOM_UNREDACTED: DurableObjectNamespace<ShareRoomUnredacted>;
  BARE_ROOM: DurableObjectNamespace<BareRoom>;
}

/** The product's ShareRoom with `REDACT_SECRETS` forced off: the other side of the redaction-cost comparison. */
export class ShareRoomUnredacted extends ShareRoom {
  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, { ...env, REDACT_SECRETS: "false" });
  }
}

/**
 * The fan-out floor: accepts viewers with the same hibernation API as ShareRoom and sends each of them the text it
 * is given. No storage, no ordering, no parsing: what any broadcast on this runtime costs at least. With `durable`
 * it first writes the text to one SQLite row, so the runtime holds the sends until that write is durable (the
 * output gate), as it holds ShareRoom's.
 */
export class BareRoom extends DurableObject<BenchEnv> {
  constructor(ctx: DurableObjectState, env: BenchEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (body TEXT NOT NULL)");
  }

  override async fetch(): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Sends `text` to every viewer (after storing it, when `durable`); returns how many there are. */
  broadcast(text: string, durable: boolean): number {
    if (durable) this.ctx.storage.sql.exec("INSERT INTO messages (body) VALUES (?)", text);
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) ws.send(text);
    return sockets.length;
  }

  override async webSocketMessage(): Promise<void> {}

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code);
  }
}

/**
 * With `?limit=1`, consults the product's `WRITE_LIMITER` binding as its sync route does (its key, `writeLimitKey`
 * in `packages/sessions/src/middleware/rate-limit.ts`) and waits for the answer; the bench raises that binding's limit,
 * so the answer is never a refusal, and the figure is the round trip alone. Locally that round trip is Miniflare's
 * emulation of the binding (a Durable Object writing one SQLite row per call), not the deployed one.
 */
async function writeLimit(request: Request, env: BenchEnv, url: URL): Promise<void> {
  if (url.searchParams.get("limit") !== "1") return;
  await env.WRITE_LIMITER.limit({ key: writeLimitKey(request) });
}

async function bench(request: Request, env: BenchEnv, url: URL): Promise<Response> {
  const path = url.pathname.split("/").slice(2);
  const [route, name] = path;
  if (route === "noop" && request.method === "POST") {
    await writeLimit(request, env, url);
    await request.arrayBuffer();
    return Response.json({ ok: true });
  }
  if (route === "flush" && name && request.method === "POST") {
    const rooms = request.headers.get("x-bench-redact") === "false" ? env.SHARE_ROOM_UNREDACTED : env.SHARE_ROOM;
    const flushed = await rooms.get(rooms.idFromName(name)).flushNow();
    if (!flushed.ok) return Response.json(flushed, { status: 404 });
    const head = await env.SHARES.get(headKey(name));
    const text = head ? await head.text() : "";
    const segments = text ? (JSON.parse(text) as Head).segments.map(({ name, bytes }) => ({ name, bytes })) : [];
    return Response.json({ seq: flushed.value.seq, headBytes: head?.size ?? 0, segments });
  }
  if (route === "compact" && name && request.method === "POST") {
    const rooms = env.SHARE_ROOM;
    await rooms.get(rooms.idFromName(name)).tick(Date.now() + IDLE_COMPACT_MS + 1);
    return Response.json({ ok: true });
  }
  if (route === "redact" && request.method === "POST") {
    const batches = (await request.json()) as Item[][];
    const repeat = Math.max(1, Number(url.searchParams.get("repeat")) || 1);
    // Sizes once, as the room has them from the body's check before it redacts.
    const sized = batches.map((batch) => batch.map((item) => ({ item, bytes: JSON.stringify(item).length })));
    const pass = async () => {
      for (const batch of sized) await redactEntries(batch.map(({ item, bytes }) => ({ item, bytes })));
    };
    await pass();
    const started = performance.now();
    for (let r = 0; r < repeat; r++) await pass();
    return Response.json({ ms: performance.now() - started, runs: repeat * batches.length });
  }
  if (route === "spans" && name && request.method === "POST") {
    const rooms = (
      request.headers.get("x-bench-redact") === "false" ? env.SHARE_ROOM_UNREDACTED : env.SHARE_ROOM
    ) as DurableObjectNamespace<ShareRoom>;
    return Response.json(await rooms.get(rooms.idFromName(name)).benchSpans());
  }
  if (route === "bare" && name) {
    const room = env.BARE_ROOM.get(env.BARE_ROOM.idFromName(name));
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return room.fetch(request);
    if (request.method === "POST") {
      await writeLimit(request, env, url);
      const durable = url.searchParams.get("durable") === "1";
      return Response.json({ viewers: await room.broadcast(await request.text(), durable) });
    }
  }
  return Response.json({ error: { code: "not_found", message: "No such bench route." } }, { status: 404 });
}

export default {
  fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/__bench/")) return bench(request, env, url);
    if (request.headers.get("x-bench-redact") === "false") {
      return sessions.fetch(request, { ...env, SHARE_ROOM: env.SHARE_ROOM_UNREDACTED }, ctx);
    }
    return sessions.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchEnv>;
