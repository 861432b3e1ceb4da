/**
 * A loopback HTTP endpoint that answers the share API like a server would and records each request, for tests of
 * the client's own behaviour (what it sends, when, and how it retries). The real server is exercised by
 * share.test.ts against the local stack.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

/** One request the recorder received. */
export interface Recorded {
  method: string;
  path: string;
  body: Record<string, unknown>;
  /** The status it was answered with. */
  status: number;
}

/** A running recorder. */
export interface Recorder {
  origin: string;
  requests: Recorded[];
  /** The next `count` syncs, after the `after` next ones, are answered 503 (a server that is away). */
  failNext(count: number, after?: number): void;
  /**
   * From now on, a sync whose body contains `text` is answered `status` with `{error: {code}}` (a server refusing
   * what was sent, such as 413 `payload_too_large`); with `status` 200, the items containing it are listed in the
   * answer's `refused` instead and the rest is accepted; with `code` null, the answer is an HTML page (a proxy's).
   */
  refuse(text: string, status: number, code: string | null): void;
  /** Answers later syncs with a `seq` counted from 1 again, as a server that lost its changes would. */
  lose(): void;
  close(): Promise<void>;
}

async function bodyOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

/** Starts a recorder on a free loopback port. */
export async function startRecorder(): Promise<Recorder> {
  const requests: Recorded[] = [];
  let failures = 0;
  let failAfter = 0;
  const refusals: { text: string; status: number; code: string | null }[] = [];
  let shares = 0;
  let seqBase = 0;
  const server: Server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    const path = request.url ?? "/";
    const recorded: Recorded = { method: request.method ?? "GET", path, body, status: 200 };
    requests.push(recorded);
    response.setHeader("content-type", "application/json");
    response.on("finish", () => {
      recorded.status = response.statusCode;
    });
    if (request.method === "POST" && path === "/api/share") {
      shares++;
      const id = `share${String(shares).padStart(12, "0")}`;
      response.end(JSON.stringify({ id, url: `${origin}/share/${id}`, secret: `secret-${shares}` }));
      return;
    }
    if (request.method === "POST" && path.endsWith("/sync")) {
      if (failAfter > 0) failAfter--;
      else if (failures > 0) {
        failures--;
        response.statusCode = 503;
        response.end(JSON.stringify({ error: { code: "internal_error", message: "away" } }));
        return;
      }
      const json = JSON.stringify(body);
      const refusal = refusals.find((entry) => json.includes(entry.text));
      if (refusal && refusal.status !== 200) {
        response.statusCode = refusal.status;
        if (refusal.code === null) {
          response.setHeader("content-type", "text/html");
          response.end("<html><body>Request refused by the proxy</body></html>");
          return;
        }
        response.end(JSON.stringify({ error: { code: refusal.code, message: "refused" } }));
        return;
      }
      const refused = ((body.data as unknown[] | undefined) ?? []).flatMap((item, index) => {
        const match = refusals.find((entry) => JSON.stringify(item).includes(entry.text));
        return match ? [{ index, code: match.code, message: "refused" }] : [];
      });
      response.end(
        JSON.stringify({ ok: true, seq: requests.length - seqBase, accepted: 0, unchanged: 0, redacted: 0, refused }),
      );
      return;
    }
    response.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return {
    origin,
    requests,
    failNext(count, after = 0) {
      failures = count;
      failAfter = after;
    },
    lose() {
      seqBase = requests.length;
    },
    refuse(text, status, code) {
      refusals.push({ text, status, code });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
