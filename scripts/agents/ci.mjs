// The real-agent test as CI runs it (`npm run test:agents`): installs the three published agent CLIs from npm into
// node_modules/.cache (once), starts the local stack when this checkout has the shareroom CLI (packages/cli), and
// runs run-agents.mjs against the page origin. Exit code: run-agents' (0 pass, 1 fail, 2 setup).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO, startLocalStack } from "../local-stack.mjs";
import { AGENTS, installAgent } from "./agents.mjs";
import { findShareroom } from "./shareroom.mjs";

try {
  // In parallel: each is one large download (the native binaries are 100–400 MB unpacked).
  await Promise.all(AGENTS.map(installAgent));
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

// Without the CLI there is nothing to share with, and the stack would only cost its start-up time.
const absent = findShareroom({ build: false }).status === "absent";
if (absent) console.error("[test:agents] no packages/cli in this checkout: the share checks are skipped");
const stack = absent ? undefined : await startLocalStack();
let code = 1;
try {
  const run = spawn(
    process.execPath,
    [join(REPO, "scripts/agents/run-agents.mjs"), ...(stack ? ["--server", stack.webOrigin] : [])],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  code = await new Promise((resolve) => run.once("exit", (status) => resolve(status ?? 1)));
} finally {
  await stack?.stop();
}
console.error(`[test:agents] ${code === 0 ? "PASS" : "FAIL"}`);
process.exit(code);
