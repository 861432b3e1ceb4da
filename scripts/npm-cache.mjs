/**
 * Installs a published CLI from npm into a folder of `node_modules/.cache` once, for the real-client tests
 * (`npm run test:opencode`, `npm run test:agents`): never into the workspace's own node_modules, so `npm ci` stays
 * small and the CLIs' install scripts (which `allowScripts` does not list) never run. Node built-ins only.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./local-stack.mjs";

/** Where a CLI installed by {@link installOnce} lives: `node_modules/.cache/<folder>/<version>`. */
export function cachePrefix(folder, version) {
  return join(REPO, "node_modules/.cache", folder, version);
}

/**
 * Installs `specs` (npm package specs, e.g. `@openai/codex@0.171.0`) into `prefix` unless `bin` (a path inside
 * `prefix`) already exists. Resolves to `bin`; rejects when npm fails or the install did not produce `bin`.
 * Progress goes to stderr, prefixed with `label`.
 * @param {{label: string, prefix: string, specs: string[], bin: string}} options
 * @returns {Promise<string>}
 */
export async function installOnce({ label, prefix, specs, bin }) {
  if (existsSync(bin)) return bin;
  mkdirSync(prefix, { recursive: true });
  console.error(`[${label}] installing ${specs.join(" ")} from npm into ${prefix}`);
  const started = Date.now();
  const install = spawn("npm", ["install", "--prefix", prefix, "--no-save", "--no-audit", "--no-fund", ...specs], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const status = await new Promise((resolve) => install.once("exit", (code) => resolve(code ?? 1)));
  if (status !== 0 || !existsSync(bin)) throw new Error(`[${label}] could not install ${specs.join(" ")}`);
  console.error(`[${label}] installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}
