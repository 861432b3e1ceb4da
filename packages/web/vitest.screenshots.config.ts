import { defineConfig } from "vitest/config";

// `npm run screenshots`: the README's screenshots, taken from the recorded session replayed into the real stack.
// Not part of `npm test`: it writes files under docs/screenshots/.
export default defineConfig({
  test: {
    include: ["test/screenshots/**/*.shots.ts"],
    environment: "node",
    globalSetup: ["test/e2e/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
