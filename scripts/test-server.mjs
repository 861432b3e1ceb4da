/**
 * What the loopback servers of the real-client tests share (the opencode recording server and mock model, the
 * agents' mock model): reading a request body whole, and listening on a port with a close that ends open
 * connections too.
 */

/** Reads the whole body of `req`, as bytes (a `Buffer`; empty when there is none). */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses a JSON request body; `{}` when it is empty or not JSON (the mock models answer such requests anyway). */
export function jsonOrEmpty(raw) {
  try {
    return JSON.parse(raw.toString("utf8") || "{}");
  } catch {
    return {};
  }
}

/**
 * Starts `server` listening on `host`:`port` (0: a free port). Resolves to `{port, close()}`; `close` ends keep-alive
 * connections as well, so a test that stops the server never waits for idle sockets.
 */
export async function listen(server, port, host) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port ?? 0, host, resolve);
  });
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
