import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        // The fixture replay tests read the recorded CLI traffic from shared/ beside the repository.
        // VIEWERS_PER_SHARE is lowered so viewer-policy.test.ts reaches the cap with 40 sockets.
        bindings: {
          PUBLIC_SHARE_URL: "https://share.example.test",
          ADMIN_TOKEN: "test-admin-token",
          // Seeded fault schedules per capture in test/fault-schedules.test.ts (its default when unset).
          FAULT_SCHEDULES: process.env.FAULT_SCHEDULES ?? "",
          VIEWERS_PER_SHARE: "40",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
