// Helpers to run the real, unmodified opencode CLI in an isolated, offline sandbox. Node built-ins only.

import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { arch, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
import { makeHome } from "../sandbox.mjs";

export const EXPECTED_VERSION = "1.18.33";

/** npm packages that hold the real binary for this machine, best first (mirrors opencode-ai's postinstall). */
export function platformPackages() {
  const os = { darwin: "darwin", linux: "linux", win32: "windows" }[platform()] ?? platform();
  const cpu = arch();
  const base = `opencode-${os}-${cpu}`;
  let avx2 = true;
  if (os === "linux" && cpu === "x64") {
    try {
      avx2 = /(^|\s)avx2(\s|$)/i.test(readFileSync("/proc/cpuinfo", "utf8"));
    } catch {}
  }
  const musl = os === "linux" && existsSync("/etc/alpine-release");
  const names = [];
  if (musl) names.push(`${base}${avx2 ? "" : "-baseline"}-musl`);
  if (cpu === "x64") names.push(...(avx2 ? [base, `${base}-baseline`] : [`${base}-baseline`, base]));
  else names.push(base);
  return names;
}

function versionOf(bin) {
  const r = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return undefined;
  return r.stdout.trim();
}

/**
 * Find a working opencode binary. Order: explicit path, $OPENCODE_BIN, then node_modules folders walking up from
 * each start directory: the platform package's bin/opencode (works even when opencode-ai's postinstall was skipped),
 * then node_modules/.bin/opencode.
 * @param {string | undefined} explicit
 * @param {string[]} startDirs
 */
export function resolveOpencode(explicit, startDirs) {
  const tried = [];
  const candidates = [];
  if (explicit) candidates.push(resolve(explicit));
  else {
    if (process.env.OPENCODE_BIN) candidates.push(resolve(process.env.OPENCODE_BIN));
    const exe = platform() === "win32" ? "opencode.exe" : "opencode";
    for (const start of startDirs) {
      let dir = resolve(start);
      for (;;) {
        for (const pkg of platformPackages()) candidates.push(join(dir, "node_modules", pkg, "bin", exe));
        candidates.push(join(dir, "node_modules", ".bin", "opencode"));
        const up = dirname(dir);
        if (up === dir) break;
        dir = up;
      }
    }
  }
  for (const c of [...new Set(candidates)]) {
    if (!existsSync(c)) continue;
    const version = versionOf(c);
    tried.push({ path: c, version: version ?? null });
    if (version) return { bin: c, version, tried };
  }
  return { bin: undefined, version: undefined, tried };
}

/**
 * A fresh HOME with XDG dirs and an opencode.json, plus the environment to run opencode in it.
 * Nothing is inherited from the caller's environment except PATH, locale, proxies and temp-dir settings.
 * @param {string} root directory to create the sandbox in
 * @param {Record<string, unknown>} config opencode.json contents
 */
export function makeSandbox(root, config) {
  const { home, env } = makeHome(root);
  const configDir = join(env.XDG_CONFIG_HOME, "opencode");
  mkdirSync(configDir, { recursive: true });
  const managed = join(root, "managed-config-empty");
  mkdirSync(managed, { recursive: true });
  writeFileSync(join(configDir, "opencode.json"), `${JSON.stringify(config, null, 2)}\n`);
  Object.assign(env, {
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_PROJECT_CONFIG: "1",
    // /etc/opencode (managed config) would otherwise override ours on machines that have one.
    OPENCODE_TEST_MANAGED_CONFIG_DIR: managed,
  });
  return { root, home, env, configPath: join(configDir, "opencode.json") };
}

/**
 * Run an opencode command to completion. stdout goes to a FILE, never a pipe: opencode 1.18.33 truncates
 * piped stdout at a 64 KiB boundary when it exits (e.g. `opencode export | ...`).
 * @returns {Promise<{code: number | null, signal: string | null, stdout: string, stderr: string, ms: number, stdoutFile: string}>}
 */
export function runOpencode(bin, args, { cwd, env, timeoutMs = 60_000, stdoutFile }) {
  const t0 = Date.now();
  const fd = openSync(stdoutFile, "w");
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { cwd, env, stdio: ["ignore", fd, "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      closeSync(fd);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      closeSync(fd);
      resolvePromise({
        code,
        signal,
        stdout: readFileSync(stdoutFile, "utf8"),
        stderr,
        ms: Date.now() - t0,
        stdoutFile,
      });
    });
  });
}

/**
 * Start `opencode serve` on a random port and wait for its "listening on" line (requests sent before that line
 * can hang forever in 1.18.33, so never poll the port instead).
 */
export function startServe(bin, { cwd, env, logDir, timeoutMs = 60_000 }) {
  const t0 = Date.now();
  const out = openSync(join(logDir, "serve.stdout.log"), "w");
  const err = openSync(join(logDir, "serve.stderr.log"), "w");
  const child = spawn(bin, ["serve", "--port", "0", "--hostname", "127.0.0.1", "--print-logs"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", err],
  });
  let buf = "";
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  };
  const ready = new Promise((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`opencode serve did not report listening within ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.stdout.on("data", (d) => {
      writeFileSync(out, d);
      buf += d;
      const m = buf.match(/listening on (https?:\/\/[^\s]+)/);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: m[1].replace(/\/+$/, ""), ms: Date.now() - t0 });
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`opencode serve exited early (code ${code}, signal ${signal}); see ${logDir}/serve.stderr.log`));
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  return { child, ready, stop };
}

/** A provider block that makes `providerID/modelID` resolvable without ever being called (or, with baseURL, a mock). */
export function providerConfig(models, baseURL = "http://127.0.0.1:9/v1") {
  /** @type {Record<string, any>} */
  const provider = {};
  for (const { providerID, modelID, name } of models) {
    provider[providerID] ??= {
      npm: "@ai-sdk/openai-compatible",
      name: `Mock (${providerID})`,
      options: { baseURL, apiKey: "sk-mock-not-a-secret" },
      models: {},
    };
    provider[providerID].models[modelID] = {
      name: name ?? modelID,
      tool_call: true,
      reasoning: true,
      attachment: true,
      temperature: true,
      cost: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
      limit: { context: 200000, output: 32000 },
      modalities: { input: ["text", "image", "pdf"], output: ["text"] },
    };
  }
  return provider;
}
