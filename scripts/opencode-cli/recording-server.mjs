// A tiny in-memory share server speaking the current opencode share protocol, recording every request.
// Only for testing the CLI harness against something known. Node built-ins only.
//
//   node recording-server.mjs [--port 4700] [--host 127.0.0.1] [--log requests.jsonl]
//
// Or import { startRecordingServer } from "./recording-server.mjs".

import { createHash, randomBytes, randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import { listen, readBody } from "../test-server.mjs";

/** Merge key of a share item (docs/opencode-protocol.md §1, "Items"). */
export function itemKey(item) {
  switch (item?.type) {
    case "session":
      return "session";
    case "message":
      return `message/${item.data?.id}`;
    case "part":
      return `part/${item.data?.messageID}/${item.data?.id}`;
    case "session_diff":
      return "session_diff";
    case "model":
      return "model";
    default:
      return `other/${item?.type}/${createHash("sha256")
        .update(JSON.stringify(item ?? null))
        .digest("hex")}`;
  }
}

/**
 * @param {{port?: number, host?: string, publicOrigin?: string, logFile?: string, syncDelayMs?: number}} [opts]
 */
export async function startRecordingServer(opts = {}) {
  const host = opts.host ?? "127.0.0.1";
  /** @type {Map<string, {id: string, sessionID: string, secret: string, items: Map<string, unknown>, deleted: boolean}>} */
  const shares = new Map();
  const requests = [];
  let seq = 0;
  let origin = "";

  const server = createServer((req, res) => {
    const tStart = Date.now();
    readBody(req).then(async (raw) => {
      let body;
      try {
        body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
      } catch {
        body = { unparsable: raw.toString("utf8").slice(0, 200) };
      }
      const rawUrl = req.url ?? "/";
      // Not new URL(): a client that joins "<base>/" + "/api/share" sends "//api/share", which URL() would
      // read as a host name. Keep the path as sent so such mistakes show up as 404s.
      const path = rawUrl.split("?")[0];
      const record = {
        seq: ++seq,
        tStart,
        method: req.method,
        rawUrl,
        path,
        headers: req.headers,
        rawLength: raw.length,
        body,
      };
      const reply = (status, payload, type = "application/json") => {
        const text = type === "application/json" ? JSON.stringify(payload) : String(payload);
        res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
        res.end(text);
        record.status = status;
        record.tEnd = Date.now();
        requests.push(record);
        if (opts.logFile) appendFileSync(opts.logFile, `${JSON.stringify(record)}\n`);
      };
      try {
        await route(req.method, path, body, record, reply);
      } catch (err) {
        reply(500, { error: String(err) });
      }
    });
  });

  async function route(method, path, body, record, reply) {
    if (method === "POST" && path === "/api/share") {
      if (typeof body?.sessionID !== "string") return reply(400, { error: "sessionID required" });
      const id = randomBytes(16).toString("base64url");
      const share = { id, sessionID: body.sessionID, secret: randomUUID(), items: new Map(), deleted: false };
      shares.set(id, share);
      record.shareID = id;
      return reply(200, { id, url: `${origin}/share/${id}`, secret: share.secret });
    }
    const api = path.match(/^\/api\/share\/([A-Za-z0-9_-]+)(\/sync|\/data)?$/);
    const page = path.match(/^\/share\/([A-Za-z0-9_-]+)$/);
    const share = shares.get(api?.[1] ?? page?.[1] ?? "");
    const live = share && !share.deleted;
    if (api && method === "POST" && api[2] === "/sync") {
      if (!live) return reply(404, { error: "not found" });
      if (body?.secret !== share.secret) return reply(403, { error: "bad secret" });
      if (!Array.isArray(body?.data)) return reply(400, { error: "data must be an array" });
      if (opts.syncDelayMs) await new Promise((r) => setTimeout(r, opts.syncDelayMs));
      for (const item of body.data) share.items.set(itemKey(item), item);
      record.items = body.data.length;
      return reply(200, {});
    }
    if (api && method === "DELETE" && !api[2]) {
      if (!live) return reply(404, { error: "not found" });
      if (body?.secret !== share.secret) return reply(403, { error: "bad secret" });
      share.deleted = true;
      share.items.clear();
      return reply(200, {});
    }
    if (api && method === "GET" && api[2] === "/data") {
      if (!live) return reply(404, { error: "not found" });
      const keys = [...share.items.keys()].sort();
      return reply(
        200,
        keys.map((k) => share.items.get(k)),
      );
    }
    if (page && method === "GET") {
      if (!live) return reply(404, "not found", "text/plain");
      return reply(200, `<!doctype html><title>share ${share.id}</title><p>${share.items.size} items</p>`, "text/html");
    }
    return reply(404, { error: "no route" });
  }

  const { port, close } = await listen(server, opts.port, host);
  origin = opts.publicOrigin ?? `http://${host}:${port}`;
  return { url: origin, port, requests, shares, close };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4700" },
      host: { type: "string", default: "127.0.0.1" },
      log: { type: "string" },
      "sync-delay-ms": { type: "string" },
    },
  });
  const srv = await startRecordingServer({
    port: Number(values.port),
    host: values.host,
    logFile: values.log,
    syncDelayMs: values["sync-delay-ms"] ? Number(values["sync-delay-ms"]) : 0,
  });
  process.stdout.write(`recording share server on ${srv.url}\n`);
  srv.requests.push = function (...records) {
    for (const r of records)
      process.stdout.write(
        `${new Date(r.tStart).toISOString()} ${r.method} ${r.path} -> ${r.status}${r.items !== undefined ? ` (${r.items} items)` : ""} ${r.rawLength}B\n`,
      );
    return Array.prototype.push.apply(this, records);
  };
}
