// `npm run dev` of the sessions worker: `wrangler dev` with everything it needs and nothing from the network.
// - creates `.dev.vars` once (ensure-dev-vars.mjs);
// - CLOUDFLARE_CF_FETCH_ENABLED=false: miniflare otherwise downloads `request.cf` sample data from
//   workers.cloudflare.com on every start (`getaddrinfo ENOTFOUND` offline); the runtime's built-in sample is used;
// - WRANGLER_SEND_METRICS=false: no usage reports;
// - SHAREROOM_API_PORT / SHAREROOM_INSPECTOR_PORT, when set and no `--port` / `--inspector-port` is given, replace the
//   ports of wrangler.jsonc's `dev` (8787, 9229); the page's `vite dev` looks for the worker on the same variable.
// Extra arguments go to `wrangler dev` as they are.
import { spawn } from "node:child_process";
import "./ensure-dev-vars.mjs";

const args = ["dev", ...process.argv.slice(2)];
const given = (flag) => args.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
if (process.env.SHAREROOM_API_PORT && !given("--port")) args.push("--port", process.env.SHAREROOM_API_PORT);
if (process.env.SHAREROOM_INSPECTOR_PORT && !given("--inspector-port")) {
  args.push("--inspector-port", process.env.SHAREROOM_INSPECTOR_PORT);
}
const child = spawn("wrangler", args, {
  stdio: "inherit",
  env: {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    WRANGLER_SEND_METRICS: process.env.WRANGLER_SEND_METRICS ?? "false",
  },
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
