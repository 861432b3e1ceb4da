/**
 * A stand-in for the sessions worker behind the page worker's `API` service binding, run by miniflare in Node
 * (vitest.config.ts). It answers the few routes the page worker calls, counts reads per client address the way the
 * real API's `READ_LIMITER` does (here 5 per address, so tests reach it quickly), records the address of every
 * request it sees (`GET /api/__requests` hands them out), and drops the connection for share ids starting with
 * `Unreachable`, as a crashed or redeploying API does.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { FAKE_READS_PER_ADDRESS, type SeenRequest } from "./fake-api-shape.ts";

const seen: SeenRequest[] = [];
const reads = new Map<string, number>();

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The Node handler of the fake API (miniflare `serviceBindings: {API: {node}}`). */
export function fakeApi(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://api.test");
  if (url.pathname === "/api/__requests") {
    json(res, 200, seen.splice(0));
    return;
  }
  const header = req.headers["cf-connecting-ip"];
  const address = typeof header === "string" ? header : null;
  seen.push({ path: url.pathname, address });
  const share = /^\/api\/share\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (share?.[1]?.startsWith("Unreachable")) {
    req.socket.destroy();
    return;
  }
  const key = `read:${address ?? "local"}`;
  const count = (reads.get(key) ?? 0) + 1;
  reads.set(key, count);
  if (count > FAKE_READS_PER_ADDRESS) {
    json(res, 429, { error: { code: "rate_limited", message: "Too many requests" } }, { "retry-after": "60" });
    return;
  }
  if (!share) {
    json(res, 200, { ok: true });
    return;
  }
  const [, id, rest] = share;
  if (id!.startsWith("missing")) {
    json(res, 404, { error: { code: "share_not_found", message: "No share has this id." } });
    return;
  }
  if (rest === "/data") {
    json(res, 200, [{ type: "session", data: { id: "ses_fake", title: `Share ${id}` } }]);
    return;
  }
  json(res, 200, { id, title: `Share ${id}`, createdAt: 1, updatedAt: 2, seq: 3 });
}
