import { defineConfig } from "vitest/config";

// The page's tests drive the real stack: both dev servers (started once by the global setup) and real Chromium.
// A config of its own so vitest does not load vite.config.ts and start the Cloudflare plugin inside the runner.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    // Cold starts of workerd and vite on a 2-core machine take a while; each wait inside a test has its own deadline.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
