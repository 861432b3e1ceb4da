import type { IncomingMessage, ServerResponse } from "node:http";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { fakeApi } from "./test/worker/fake-api.ts";

// A config of its own so vitest does not load vite.config.ts and start the Cloudflare plugin inside the runner.
// Four projects, run one file at a time (2-core machines, other work running):
// - unit: pure modules in Node;
// - components: every renderer, built by vite and rendered in real Chromium (test/components/browser.ts);
// - worker: the page worker in workerd (@cloudflare/vitest-plugin), its `API` service binding replaced by a Node
//   handler (test/worker/fake-api.ts) that records what reaches it and can drop the connection like a dead API;
// - e2e: the real stack (sessions `wrangler dev` + this page's build under `vite preview`, started once by the
//   global setup) driven in real Chromium.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      {
        extends: true,
        // Solid's package gives Node its server build, where signals never notify; the store's tests need the
        // reactive one, so solid-js is bundled by vite with the browser condition.
        ssr: { resolve: { conditions: ["browser"] } },
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          server: { deps: { inline: ["solid-js"] } },
        },
      },
      {
        extends: true,
        test: {
          name: "components",
          include: ["test/components/**/*.test.ts"],
          environment: "node",
          testTimeout: 30_000,
        },
      },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.jsonc" },
            miniflare: {
              serviceBindings: {
                API: { node: (req: IncomingMessage, res: ServerResponse) => fakeApi(req, res) },
              },
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          // Cold starts of workerd and vite on a 2-core machine take a while; each wait inside a test has its own
          // deadline.
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
