import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Until packages/shared exports ./redact (see src/redact-shim.ts).
    alias: { "@shareroom/shared/redact": fileURLToPath(new URL("./src/redact-shim.ts", import.meta.url)) },
  },
  test: { include: ["test/**/*.test.ts"], testTimeout: 60_000 },
});
