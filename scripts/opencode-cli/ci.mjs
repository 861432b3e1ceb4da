// The real-client contract test as CI runs it (`npm run test:opencode`): installs the published opencode CLI
// binary from npm into node_modules/.cache (once), starts the local stack, and runs run-contract.mjs against the
// page origin — exactly what a user puts in `enterprise.url`. Exit code: run-contract's (0 pass, 1 fail, 2 setup).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO, startLocalStack } from "../local-stack.mjs";
import { platformPackages, EXPECTED_VERSION as VERSION } from "./opencode.mjs";

// The platform package this CPU runs best (AVX2 or baseline, glibc or musl), as the harness itself resolves it.
const platform = platformPackages()[0];
const prefix = join(REPO, "node_modules/.cache/opencode-cli", VERSION);
const bin = join(prefix, "node_modules", platform, "bin/opencode");

if (!existsSync(bin)) {
  mkdirSync(prefix, { recursive: true });
  console.error(`[test:opencode] installing ${platform}@${VERSION} from npm into ${prefix}`);
  // The platform package alone: the opencode-ai wrapper would fetch a second (baseline) binary and needs a postinstall.
  const install = spawnSync(
    "npm",
    ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", `${platform}@${VERSION}`],
    { stdio: "inherit" },
  );
  if (install.status !== 0 || !existsSync(bin)) {
    console.error("[test:opencode] could not install the opencode CLI");
    process.exit(2);
  }
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
