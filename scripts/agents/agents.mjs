// The three agent CLIs as the harness runs them: the pinned npm package of each, where its binary lands, how to point
// it at the mock model in a throwaway HOME with telemetry and auto-update off, and where it writes its transcript.
// Node built-ins only. Settings and variables: each CLI's public docs (https://code.claude.com/docs/en/settings,
// https://developers.openai.com/codex/config-reference, https://geminicli.com/docs/get-started/configuration/).

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cachePrefix, installOnce } from "../npm-cache.mjs";
import { makeHome } from "../sandbox.mjs";

/**
 * One agent CLI.
 * @typedef {object} Agent
 * @property {"claude" | "codex" | "gemini"} name the name `shareroom share --agent` takes
 * @property {string} title how the page header names it
 * @property {string} spec the npm package spec, version pinned
 * @property {string} version
 * @property {string} binPath the executable, relative to the install prefix
 * @property {boolean} [node] the executable is a JavaScript file run with this Node
 * @property {(sandbox: Sandbox, mockOrigin: string) => void} configure writes the CLI's config into the HOME and
 *   sets its variables on `sandbox.env`
 * @property {(prompt: string) => string[]} args the headless command line
 * @property {(sandbox: Sandbox) => string | undefined} transcript the main transcript, once it exists
 * @property {(sandbox: Sandbox) => string[]} allTranscripts every transcript file the run wrote (main and subagents)
 * @property {string[]} tools the agent's own tool names the scripted run must show in its transcript
 * @property {boolean} versioned whether its transcript records the CLI's version (so the page can show it)
 */

/**
 * A throwaway HOME, the agent's work directory (a fresh git repository) and the environment to run in them.
 * @typedef {{root: string, home: string, work: string, env: Record<string, string>}} Sandbox
 */

/** Every file under `dir` whose name ends with `suffix` (depth-first; none when `dir` is missing). */
function filesUnder(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, suffix));
    else if (entry.name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** The most recently modified of `paths`. */
function newest(paths) {
  return paths.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** @type {Agent} */
const claude = {
  name: "claude",
  title: "Claude Code",
  spec: "@anthropic-ai/claude-code@2.1.332",
  version: "2.1.332",
  // The platform package's binary itself: the wrapper's bin/claude.exe is only linked to it by an install script.
  binPath: `node_modules/@anthropic-ai/claude-code-${process.platform}-${process.arch}/claude`,
  configure(sandbox, mockOrigin) {
    mkdirSync(join(sandbox.home, ".claude"), { recursive: true });
    Object.assign(sandbox.env, {
      ANTHROPIC_BASE_URL: mockOrigin,
      ANTHROPIC_API_KEY: "sk-ant-mock-not-a-secret",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_TELEMETRY: "1",
      DISABLE_ERROR_REPORTING: "1",
    });
  },
  args: (prompt) => [
    "-p",
    prompt,
    "--output-format",
    "stream-json",
    "--verbose",
    "--allowedTools",
    "Bash Write Read Edit Agent",
  ],
  transcript(sandbox) {
    const dir = join(sandbox.home, ".claude/projects", sandbox.work.replace(/[^a-zA-Z0-9]/g, "-"));
    if (!existsSync(dir)) return undefined;
    const main = readdirSync(dir).filter((name) => name.endsWith(".jsonl"));
    return main.length ? newest(main.map((name) => join(dir, name))) : undefined;
  },
  allTranscripts: (sandbox) => filesUnder(join(sandbox.home, ".claude/projects"), ".jsonl"),
  tools: ["Bash", "Write", "Read", "Edit", "Agent"],
  versioned: true,
};

/** @type {Agent} */
const codex = {
  name: "codex",
  title: "Codex CLI",
  spec: "@openai/codex@0.171.0",
  version: "0.171.0",
  // The wrapper script picks the platform package's native binary and forwards signals to it.
  binPath: "node_modules/@openai/codex/bin/codex.js",
  node: true,
  configure(sandbox, mockOrigin) {
    const codexHome = join(sandbox.home, ".codex");
    mkdirSync(codexHome, { recursive: true });
    // gpt-5.5 is a model slug Codex knows, so it offers apply_patch as a freeform tool (an unknown slug offers none).
    writeFileSync(
      join(codexHome, "config.toml"),
      [
        'model = "gpt-5.5"',
        'model_provider = "mock"',
        'approval_policy = "never"',
        'sandbox_mode = "danger-full-access"',
        "check_for_update_on_startup = false",
        "",
        "[analytics]",
        "enabled = false",
        "",
        "[feedback]",
        "enabled = false",
        "",
        "[model_providers.mock]",
        'name = "mock"',
        `base_url = "${mockOrigin}/v1"`,
        'env_key = "MOCK_API_KEY"',
        'wire_api = "responses"',
        "",
      ].join("\n"),
    );
    Object.assign(sandbox.env, { CODEX_HOME: codexHome, MOCK_API_KEY: "sk-mock-not-a-secret" });
  },
  args: (prompt) => ["exec", "--json", "--skip-git-repo-check", prompt],
  transcript: (sandbox) => newest(filesUnder(join(sandbox.home, ".codex/sessions"), ".jsonl")),
  allTranscripts: (sandbox) => filesUnder(join(sandbox.home, ".codex/sessions"), ".jsonl"),
  tools: ["exec_command", "apply_patch"],
  versioned: true,
};

/** @type {Agent} */
const gemini = {
  name: "gemini",
  title: "Gemini CLI",
  spec: "@google/gemini-cli@0.61.0",
  version: "0.61.0",
  binPath: "node_modules/@google/gemini-cli/bundle/gemini.js",
  node: true,
  configure(sandbox, mockOrigin) {
    const dir = join(sandbox.home, ".gemini");
    mkdirSync(dir, { recursive: true });
    // Without selectedType the CLI stops with "Invalid auth method selected"; with folder trust on, --yolo silently
    // falls back to asking, which headless means refusing every tool.
    const settings = {
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      security: { auth: { selectedType: "gemini-api-key" }, folderTrust: { enabled: false } },
    };
    writeFileSync(join(dir, "settings.json"), `${JSON.stringify(settings, null, 2)}\n`);
    Object.assign(sandbox.env, { GOOGLE_GEMINI_BASE_URL: mockOrigin, GEMINI_API_KEY: "mock-not-a-secret" });
  },
  args: (prompt) => ["-p", prompt, "--yolo", "-o", "stream-json"],
  transcript(sandbox) {
    const projects = join(sandbox.home, ".gemini/projects.json");
    if (!existsSync(projects)) return undefined;
    const slug = JSON.parse(readFileSync(projects, "utf8")).projects?.[sandbox.work];
    if (!slug) return undefined;
    const chats = join(sandbox.home, ".gemini/tmp", slug, "chats");
    if (!existsSync(chats)) return undefined;
    const main = readdirSync(chats).filter((name) => name.startsWith("session-") && name.endsWith(".jsonl"));
    return main.length ? newest(main.map((name) => join(chats, name))) : undefined;
  },
  allTranscripts: (sandbox) => filesUnder(join(sandbox.home, ".gemini/tmp"), ".jsonl"),
  tools: ["run_shell_command", "write_file", "read_file", "replace", "invoke_agent"],
  // Gemini CLI's chat files hold no version: only its name can reach the page.
  versioned: false,
};

/** The agents, in the order the harness runs them. */
export const AGENTS = [claude, codex, gemini];

/** Installs an agent's pinned package into `node_modules/.cache/agent-clis` (once); resolves to its executable. */
export function installAgent(agent) {
  const prefix = cachePrefix(`agent-clis/${agent.name}`, agent.version);
  return installOnce({ label: "test:agents", prefix, specs: [agent.spec], bin: join(prefix, agent.binPath) });
}

/**
 * A sandbox for one run of `agent`: `<root>/home` (see scripts/sandbox.mjs), `<root>/work` as an empty git
 * repository, and the agent's config pointing at the mock model.
 * @param {Agent} agent
 * @param {string} root an empty directory
 * @param {string} mockOrigin e.g. `http://127.0.0.1:41234`
 * @returns {Sandbox}
 */
export function makeAgentSandbox(agent, root, mockOrigin) {
  const { home, env } = makeHome(root);
  const work = join(root, "work");
  mkdirSync(work, { recursive: true });
  spawnSync("git", ["init", "-q"], { cwd: work, env, stdio: "ignore" });
  const sandbox = { root, home, work, env };
  agent.configure(sandbox, mockOrigin);
  return sandbox;
}
