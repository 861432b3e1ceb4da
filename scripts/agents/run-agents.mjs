#!/usr/bin/env node
// The real-agent test: runs the published Claude Code, Codex CLI and Gemini CLI headless, each in a throwaway HOME
// against the scripted mock model (mock-model.mjs), so that each really runs its tools (shell, write, read, edit, a
// subagent) and writes its transcript; with --server, `shareroom share` follows each session to that share server
// (Claude Code and Codex CLI through the hooks `shareroom install` writes) and the share is checked while the agent
// runs, after it ends, on the page, and after `shareroom unshare`. See README.md beside this file.
//
//   node scripts/agents/run-agents.mjs                               # the agents and their transcripts only
//   node scripts/agents/run-agents.mjs --server http://localhost:5173  # plus the share checks
//
// Progress on stderr, a JSON summary on stdout. Exit code 0: every check passed; 1: a check failed; 2: setup failed.

import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { launchChromium } from "../chromium.mjs";
import { AGENTS, installAgent, makeAgentSandbox } from "./agents.mjs";
import { FINAL_TEXT, MAIN_TASK, startMockModel } from "./mock-model.mjs";
import { dryRunItems, findShareroom, keyed, runShareroom, shareData, startShare } from "./shareroom.mjs";

const USAGE = `usage: node run-agents.mjs [--server <url>] [--agent claude|codex|gemini]... [--keep]

  --server <url>   a share server (the page origin); without it the share checks are skipped
  --agent <name>   run only this agent (repeatable; default: all three)
  --keep           keep the sandboxes (HOMEs, work directories, transcripts, logs) and print where they are
`;

// Each scripted reply waits this long, so that one run lasts several seconds and the share can be seen growing.
const STEP_DELAY_MS = 1_000;
const AGENT_TIMEOUT_MS = 180_000;
const POLL_MS = 200;
const SETTLE_TIMEOUT_MS = 20_000;
const EXPECTED_FILE = "hello from mock\nline 2 (edited)\n";
// How each agent's session is shared, so that one run covers every way a share starts and ends: Claude Code and Codex
// CLI through the hooks of `shareroom install <agent>` (started at SessionStart, following the agent's process, ended
// at SessionEnd; Codex runs a hook only once its hash is trusted in config.toml, which install must record); Gemini
// CLI by `shareroom share --agent gemini` finding the session itself, ended by SIGTERM.
const VIA_HOOK = new Set(["claude", "codex"]);

const log = (...parts) => process.stderr.write(`[test:agents] ${parts.join(" ")}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let options;
try {
  options = parseArgs({
    options: {
      server: { type: "string" },
      agent: { type: "string", multiple: true },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
} catch (error) {
  process.stderr.write(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const server = options.server?.replace(/\/+$/, "");
const agents = AGENTS.filter((agent) => !options.agent || options.agent.includes(agent.name));
if (agents.length === 0) {
  process.stderr.write(`no such agent: ${options.agent.join(", ")}\n\n${USAGE}`);
  process.exit(2);
}

/** @type {{agent: string, check: string, ok: boolean, detail?: unknown}[]} */
const checks = [];
const check = (agent, name, ok, detail) => {
  checks.push({ agent, check: name, ok: Boolean(ok), ...(detail === undefined ? {} : { detail }) });
  log(
    `${ok ? "ok  " : "FAIL"} ${agent}: ${name}${ok || detail === undefined ? "" : ` — ${JSON.stringify(detail).slice(0, 600)}`}`,
  );
};

/** Polls `probe` every POLL_MS until it returns a truthy value or `timeoutMs` pass; resolves to the last value. */
async function until(probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let value;
  while (Date.now() < deadline) {
    value = await probe();
    if (value) return value;
    await sleep(POLL_MS);
  }
  return value;
}

/** Which of `names` appear as tool calls in the transcripts (each CLI writes the tool name as a JSON `name`). */
function toolsCalled(files, names) {
  const text = files.map((file) => readFileSync(file, "utf8")).join("\n");
  return names.filter((name) => text.includes(`"name":"${name}"`));
}

/** Keys whose items differ between what the server holds and what a full read of the transcript gives. */
function compare(held, expected) {
  const missing = [...expected.keys()].filter((key) => !held.has(key));
  const extra = [...held.keys()].filter((key) => !expected.has(key));
  const differing = [...expected.keys()].filter(
    (key) => held.has(key) && !isDeepStrictEqual(held.get(key), expected.get(key)),
  );
  return { equal: !missing.length && !extra.length && !differing.length, missing, extra, differing };
}

/**
 * Processes still running in a sandbox (their HOME is its HOME), from /proc; none where /proc is missing. The hooks'
 * followers are detached from the agent, so this is how to see that they ended with the session.
 */
function sandboxProcesses(home) {
  if (!existsSync("/proc")) return [];
  const mark = Buffer.from(`\0HOME=${home}\0`);
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`)]).includes(mark))
        pids.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/**
 * Runs one agent; with a share server, shares its session (through the installed hooks, or with `shareroom share`
 * beside the agent) and checks the share.
 */
async function runAgent(agent, bin, shareroom, browser) {
  const root = mkdtempSync(join(tmpdir(), `shareroom-agent-${agent.name}-`));
  const work = join(root, "work");
  mkdirSync(work);
  const mock = await startMockModel({ dir: work, stepDelayMs: STEP_DELAY_MS, logFile: join(root, "mock.jsonl") });
  const sandbox = makeAgentSandbox(agent, root, mock.origin);
  const viaHook = VIA_HOOK.has(agent.name);
  const result = { agent: agent.name, root, share: undefined };
  try {
    if (shareroom) {
      sandbox.env.SHAREROOM_URL = server;
      // Hooks run `shareroom` by name: a `shareroom` first on the agent's PATH, as after `npm install -g shareroom`.
      const binDir = join(root, "bin");
      mkdirSync(binDir);
      writeFileSync(join(binDir, "shareroom"), `#!/bin/sh\nexec "${process.execPath}" "${shareroom.bin}" "$@"\n`, {
        mode: 0o755,
      });
      sandbox.env.PATH = `${binDir}:${sandbox.env.PATH}`;
      if (viaHook) {
        const install = runShareroom(shareroom.bin, ["install", agent.name], { cwd: work, env: sandbox.env });
        check(agent.name, "shareroom install writes the hooks", install.status === 0, install.stderr);
      }
    }

    const started = Date.now();
    const stdout = openSync(join(root, "agent.stdout.jsonl"), "w");
    const stderr = openSync(join(root, "agent.stderr.log"), "w");
    const command = agent.node ? [process.execPath, bin] : [bin];
    const child = spawn(command[0], [...command.slice(1), ...agent.args(MAIN_TASK)], {
      cwd: work,
      env: sandbox.env,
      stdio: ["ignore", stdout, stderr],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), AGENT_TIMEOUT_MS);
    let running = true;
    const exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        running = false;
        clearTimeout(timer);
        resolve({ code, signal, ms: Date.now() - started });
      }),
    );

    // While the agent runs: find the share (started by us once the transcript exists, or by the hook), then watch it.
    let share;
    let follower;
    /** @type {{t: number, items: number}[]} */
    const seen = [];
    if (shareroom) {
      try {
        if (viaHook) {
          share = await until(() => {
            const list = runShareroom(shareroom.bin, ["list", "--json"], { cwd: work, env: sandbox.env });
            if (list.status !== 0) return undefined;
            const shares = JSON.parse(list.stdout || "[]");
            return (Array.isArray(shares) ? shares : (shares.shares ?? []))[0];
          }, 30_000);
          check(agent.name, "the SessionStart hook created a share", share?.id, share);
        } else {
          const transcript = await until(() => agent.transcript(sandbox), 30_000);
          if (!transcript) throw new Error("no transcript appeared within 30 s");
          // No --session: the CLI finds the session of the current directory itself.
          follower = await startShare(shareroom.bin, ["--agent", agent.name, "--server", server], {
            cwd: work,
            env: sandbox.env,
          });
          share = follower.share;
          check(agent.name, "shareroom share --json prints the share first", share?.id && share?.url, share);
          check(
            agent.name,
            "shareroom share finds the session of the current directory",
            share.session === undefined || share.session === transcript,
            { found: share.session, transcript },
          );
        }
      } catch (error) {
        check(agent.name, "a share follows the session", false, String(error.message ?? error));
      }
      while (share?.id && running) {
        const data = await shareData(server, share.id).catch(() => ({ status: 0 }));
        if (data.items && data.items.length !== seen.at(-1)?.items)
          seen.push({ t: Date.now() - started, items: data.items.length });
        await sleep(POLL_MS);
      }
    }

    const end = await exited;
    closeSync(stdout);
    closeSync(stderr);
    result.ms = end.ms;
    check(agent.name, "the agent ran to completion and exited 0", end.code === 0, {
      ...end,
      stderr: readFileSync(join(root, "agent.stderr.log"), "utf8").slice(-1500),
    });

    // The agent part: real tools ran, the transcript holds them, the subagent had its own conversation.
    const transcript = agent.transcript(sandbox);
    const files = agent.allTranscripts(sandbox);
    result.transcripts = files;
    check(
      agent.name,
      "the agent wrote its transcript in the throwaway HOME",
      transcript && existsSync(transcript),
      files,
    );
    const called = toolsCalled(files, agent.tools);
    check(
      agent.name,
      `the transcript shows the tools ${agent.tools.join(", ")}`,
      called.length === agent.tools.length,
      {
        called,
      },
    );
    // What a reader must leave out: how much of the prompts and tool listings the transcripts themselves hold.
    const raw = files.map((file) => readFileSync(file, "utf8")).join("\n");
    result.vendorSnippets = {
      sent: mock.vendorSnippets.size,
      inTranscripts: [...mock.vendorSnippets].filter((snippet) => raw.includes(JSON.stringify(snippet).slice(1, -1)))
        .length,
    };
    const written = existsSync(join(work, "hello.txt")) ? readFileSync(join(work, "hello.txt"), "utf8") : undefined;
    check(agent.name, "the tools really wrote and edited hello.txt", written === EXPECTED_FILE, written);
    const scripted = mock.requests.filter((request) => request.scripted);
    const conversations = new Set(scripted.map((request) => request.conversation));
    if (agent.tools.some((tool) => /Agent|invoke_agent/.test(tool)))
      check(agent.name, "a subagent ran its own conversation with the model", conversations.has("subagent"), [
        ...conversations,
      ]);
    check(
      agent.name,
      "the agent talked only to the mock model",
      !mock.requests.some((r) => r.api === "none"),
      mock.requests.filter((r) => r.api === "none"),
    );

    if (shareroom && share?.id)
      result.share = await checkShare(agent, {
        sandbox,
        shareroom,
        share,
        follower,
        seen,
        transcript,
        browser,
        vendorSnippets: mock.vendorSnippets,
      });
  } finally {
    await mock.close();
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
  return result;
}

/**
 * The share checks, after the agent ended: it grew during the run, its follower ends, it equals a full read of the
 * transcript and holds no vendor text, it opens on the page, a second share resumes it, and unshare deletes it.
 * `follower` is the `shareroom share` process the harness started (none when the hooks started it); `seen` the share's
 * sizes polled during the run; `vendorSnippets` pieces of what the CLI sent the model besides the conversation.
 */
async function checkShare(agent, { sandbox, shareroom, share, follower, seen, transcript, browser, vendorSnippets }) {
  const name = agent.name;
  const growing = seen.filter((sample) => sample.items > 0);
  check(
    name,
    "the share grew while the agent ran",
    growing.length >= 2 && growing.at(-1).items > growing[0].items,
    seen,
  );

  if (!follower) {
    const left = await until(() => sandboxProcesses(sandbox.home).length === 0, SETTLE_TIMEOUT_MS);
    const pids = sandboxProcesses(sandbox.home);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Ended meanwhile.
      }
    }
    check(name, "the hook's follower ends with the session", left, { left: pids });
  } else {
    follower.child.kill("SIGTERM");
    const code = await Promise.race([follower.exited, sleep(SETTLE_TIMEOUT_MS).then(() => "running")]);
    if (code === "running") follower.child.kill("SIGKILL");
    check(name, "shareroom share ends on SIGTERM with exit 0", code === 0, {
      code,
      stderr: follower.stderr().slice(-1500),
    });
  }

  const expected = dryRunItems(shareroom.bin, name, transcript, { cwd: sandbox.work, env: sandbox.env });
  let last;
  const settled = await until(async () => {
    const data = await shareData(server, share.id);
    last = data.items ? { ...compare(keyed(data.items), expected), held: data.items } : { equal: false, ...data };
    return last.equal;
  }, SETTLE_TIMEOUT_MS);
  const { held, ...diff } = last;
  check(name, "the share ends equal to a full read of the final transcript", settled, diff);
  const strings = [];
  const walk = (value) => {
    if (typeof value === "string") strings.push(value);
    else if (value && typeof value === "object") for (const v of Object.values(value)) walk(v);
  };
  walk(held ?? []);
  const text = strings.join("\n");
  const leaked = [...vendorSnippets].filter((snippet) => text.includes(snippet));
  check(
    name,
    "the share holds no system prompt, developer instruction or tool description",
    vendorSnippets.size > 0 && !leaked.length && !/<(environment_context|session_context)>/.test(text),
    { snippets: vendorSnippets.size, leaked: leaked.slice(0, 3) },
  );

  const page = await fetch(`${server}/share/${share.id}`, { signal: AbortSignal.timeout(10_000) });
  const html = await page.text();
  check(
    name,
    "GET /share/<id> answers 200 HTML through the page origin",
    page.status === 200 && /<html/i.test(html),
    page.status,
  );
  if (browser) {
    const tab = await browser.newPage();
    try {
      await tab.goto(`${server}/share/${share.id}`);
      // The page renders long sessions lazily around the viewport, as a reader scrolls: scroll to the end until the
      // last answer is there.
      const last = tab.getByText(FINAL_TEXT).first();
      const shown = await until(async () => {
        if (await last.isVisible()) return true;
        await tab.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        return false;
      }, 30_000);
      const body = (await tab.locator("body").textContent()) ?? "";
      // On failure the page's text and a screenshot (kept with --keep) say what it showed instead.
      if (!shown) await tab.screenshot({ path: join(sandbox.root, "page.png"), fullPage: true });
      check(name, "the page renders the session's last answer in Chromium", shown, body.slice(-600));
      const shownName = agent.versioned ? `${agent.title} ${agent.version}` : agent.title;
      const named = body.includes(agent.title) && (!agent.versioned || body.includes(agent.version));
      check(name, `the page names the agent: ${shownName}`, named);
    } finally {
      await tab.close();
    }
  }

  // Sharing the same session again resumes its share instead of making another. Only after the checks above: its
  // sync would hide a final sync the follower missed.
  const again = runShareroom(
    shareroom.bin,
    ["share", "--agent", name, "--session", transcript, "--server", server, "--once", "--json"],
    { cwd: sandbox.work, env: sandbox.env },
  );
  let resumed = {};
  try {
    resumed = JSON.parse(again.stdout.split("\n")[0]);
  } catch {}
  check(name, "shareroom share of the same session again resumes the same share", resumed.id === share.id, {
    exit: again.status,
    first: again.stdout.split("\n")[0]?.slice(0, 300),
    stderr: again.stderr.slice(-500),
  });

  const unshare = runShareroom(shareroom.bin, ["unshare", share.id], { cwd: sandbox.work, env: sandbox.env });
  const after = await shareData(server, share.id);
  check(name, "shareroom unshare makes /api/share/:id/data 404", unshare.status === 0 && after.status === 404, {
    exit: unshare.status,
    status: after.status,
    stderr: unshare.stderr.slice(-500),
  });
  return { id: share.id, url: share.url, seen, items: expected.size };
}

// ---------------------------------------------------------------------------------------------------------------

const started = Date.now();
let bins;
try {
  bins = await Promise.all(agents.map(installAgent));
} catch (error) {
  log(error.message);
  process.exit(2);
}
log(`CLIs ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

let shareroom;
if (server) {
  const found = findShareroom();
  if (found.status === "ok") shareroom = found;
  else if (found.status === "broken") check("shareroom", "the shareroom CLI builds", false, found.reason);
  else log("share checks skipped: this checkout has no packages/cli (the shareroom CLI) yet");
}
const browser = shareroom ? await launchChromium() : undefined;
const results = [];
try {
  for (const [i, agent] of agents.entries()) {
    log(`running ${agent.title} ${agent.version}`);
    results.push(await runAgent(agent, bins[i], shareroom, browser));
  }
} finally {
  await browser?.close();
}

const failed = checks.filter((c) => !c.ok);
const summary = { ms: Date.now() - started, shared: Boolean(shareroom), results, failed, checks: checks.length };
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
if (options.keep) log(`kept: ${results.map((r) => r.root).join(" ")}`);
console.error(`agents: ${checks.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
