// The real-client contract test as CI runs it (`npm run test:opencode`): installs the published opencode CLI
// binary from npm into node_modules/.cache (once), starts the local stack, and runs run-contract.mjs against the
// page origin — exactly what a user puts in `enterprise.url`. Exit code: run-contract's (0 pass, 1 fail, 2 setup).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO, startLocalStack } from "../local-stack.mjs";
import { cachePrefix, installOnce } from "../npm-cache.mjs";
import { platformPackages, EXPECTED_VERSION as VERSION } from "./opencode.mjs";

// The platform package this CPU runs best (AVX2 or baseline, glibc or musl), as the harness itself resolves it.
const platform = platformPackages()[0];
const prefix = cachePrefix("opencode-cli", VERSION);
let bin;
try {
  // The platform package alone: the opencode-ai wrapper would fetch a second (baseline) binary and needs a postinstall.
  bin = await installOnce({
    label: "test:opencode",
    prefix,
    specs: [`${platform}@${VERSION}`],
    bin: join(prefix, "node_modules", platform, "bin/opencode"),
  });
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const stack = await startLocalStack();
let code = 1;
try {
  const contract = spawn(
    process.execPath,
    [join(REPO, "scripts/opencode-cli/run-contract.mjs"), "--server", stack.webOrigin, "--live", "--opencode", bin],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  code = await new Promise((resolve) => contract.once("exit", (status) => resolve(status ?? 1)));
} finally {
  await stack.stop();
}
console.error(`[test:opencode] ${code === 0 ? "PASS" : "FAIL"}`);
process.exit(code);
