import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { cloudflare } from "@cloudflare/vite-plugin";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";
import { apiOrigin, devRegistryPath, waitForApi } from "../../scripts/wait-for-api.mjs";

// miniflare otherwise downloads `request.cf` sample data from workers.cloudflare.com on every start (and prints
// `getaddrinfo ENOTFOUND` offline); the runtime's built-in sample does for local work.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

/** Dev server port: 5173 unless `SHAREROOM_WEB_PORT` says otherwise (the e2e test picks a free one). */
const port = Number(process.env.SHAREROOM_WEB_PORT) || 5173;

/** Local Durable Object, R2 and cache state: `.wrangler/state` unless `SHAREROOM_PERSIST_DIR` names a folder. */
const persistDir = process.env.SHAREROOM_PERSIST_DIR;

/**
 * Prints, once the dev server listens, where the page is and the `opencode.json` that points the CLI at it:
 * the CLI joins `<enterprise.url>/api/share` as strings, so the snippet carries the exact origin, no trailing slash.
 */
function announce(): Plugin {
  return {
    name: "shareroom:announce",
    apply: "serve",
    configureServer(server) {
      server.httpServer?.once("listening", () => {
        const address = server.httpServer?.address() as AddressInfo | null;
        const origin = `http://localhost:${address?.port ?? port}`;
        const snippet = `{"enterprise": {"url": "${origin}"}}`;
        server.config.logger.info(
          [
            "",
            `  shareroom page  ${origin}/`,
            `  shareroom API   ${origin}/api/health (through the service binding to shareroom-sessions)`,
            "  point opencode at it in ~/.config/opencode/opencode.json:",
            `    ${snippet}`,
            "",
          ].join("\n"),
        );
      });
    },
  };
}

/**
 * Holds `vite dev` until the sessions worker is registered and healthy, before the Cloudflare plugin (next in the
 * list) starts the page's runtime and binds `API` through the dev registry: a page started earlier can fail to
 * start at all (`scripts/wait-for-api.mjs` says why). Vite runs `configureServer` hooks one after the other, so its
 * own start-up still overlaps wrangler's.
 */
function awaitApi(): Plugin {
  return {
    name: "shareroom:await-api",
    apply: "serve",
    async configureServer(server) {
      const origin = apiOrigin();
      server.config.logger.info(`  waiting for the sessions worker (${origin}, npm run dev starts it)…`);
      await waitForApi(await devRegistryPath(), `${origin}/api/health`);
    },
  };
}

/**
 * `import text from "<file>?inline-base64"`: the file's bytes as a base64 string module. The worker bundles its
 * preview font this way (the Workers runtime imports only wasm, text and `.bin` files as data, and an npm font file
 * is none of those).
 */
function inlineBase64(): Plugin {
  const suffix = "?inline-base64";
  return {
    name: "shareroom:inline-base64",
    enforce: "pre",
    async resolveId(source, importer) {
      if (!source.endsWith(suffix)) return null;
      const resolved = await this.resolve(source.slice(0, -suffix.length), importer, { skipSelf: true });
      return resolved ? `\0${resolved.id}${suffix}` : null;
    },
    load(id) {
      if (!id.startsWith("\0") || !id.endsWith(suffix)) return null;
      const file = id.slice(1, -suffix.length);
      return `export default ${JSON.stringify(readFileSync(file).toString("base64"))};`;
    },
  };
}

export default defineConfig({
  plugins: [
    inlineBase64(),
    solid(),
    awaitApi(),
    // No auxiliaryWorkers: the sessions worker runs as its own `wrangler dev`, as it deploys on its own, and the
    // `API` service binding reaches it through the local dev registry.
    cloudflare({ persistState: persistDir ? { path: persistDir } : true }),
    announce(),
  ],
  server: { port, strictPort: true },
  preview: { port, strictPort: true },
  build: { target: "es2022" },
});
