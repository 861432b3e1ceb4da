/**
 * A throwaway HOME for running a real CLI in isolation (the real-client tests): fresh XDG folders, and an
 * environment that inherits nothing from the caller but PATH, locale, proxies and temp-dir settings, so no user
 * config, credential or agent variable of the machine leaks into the run. Node built-ins only.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** The caller's variables a sandboxed CLI still gets. */
const KEEP = [
  "PATH",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "SHELL",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
];

/**
 * Creates `<root>/home` with its XDG folders and returns it with the environment to run a CLI in it: HOME, the XDG
 * variables, loopback exempt from any proxy, a dumb colourless terminal, `CI=1`.
 * @param {string} root an empty directory
 * @returns {{home: string, env: Record<string, string>}}
 */
export function makeHome(root) {
  const home = join(root, "home");
  const xdg = {
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
  };
  for (const dir of Object.values(xdg)) mkdirSync(dir, { recursive: true });
  /** @type {Record<string, string>} */
  const env = {};
  for (const name of KEEP) if (process.env[name] !== undefined) env[name] = process.env[name];
  const noProxy = [env.NO_PROXY ?? env.no_proxy, "127.0.0.1", "localhost"].filter(Boolean).join(",");
  Object.assign(env, xdg, { HOME: home, NO_PROXY: noProxy, no_proxy: noProxy, TERM: "dumb", NO_COLOR: "1", CI: "1" });
  return { home, env };
}
