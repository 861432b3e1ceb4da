#!/usr/bin/env node
// Real-client contract test: drives the real, unmodified opencode CLI (opencode-ai@1.18.33) offline against a share
// server and checks what arrives there. Node >= 22, built-ins only. See README.md beside this file.
//
//   node scripts/opencode-cli/run-contract.mjs --server http://127.0.0.1:8787   # any share server
//   node scripts/opencode-cli/run-contract.mjs --self-test                      # against the bundled recorder
//   add --live for path B (mock LLM + `opencode run --share`, live incremental syncs)
//
// Prints a JSON summary on stdout (progress on stderr); exit code 0 = every required check passed, 1 = a check
// failed, 2 = usage or environment problem (no opencode binary, ...).

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import { startMockLLM } from "./mock-llm.mjs";
import {
  EXPECTED_VERSION,
  makeSandbox,
  providerConfig,
  resolveOpencode,
  runOpencode,
  startServe,
} from "./opencode.mjs";
import { itemKey, startRecordingServer } from "./recording-server.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_EXPORT = join(HERE, "../../fixtures/opencode-1.18.33-A/export.json");
const SHARE_URL_RE = /^https?:\/\/[^/]+\/share\/([a-zA-Z0-9_-]+)$/; // what `opencode import <url>` accepts

const USAGE = `usage: node run-contract.mjs (--server <url> | --self-test) [options]

  --server <url>        share server base URL, as it would go into opencode.json enterprise.url
  --self-test           start the bundled recording share server on 127.0.0.1 and test against it
  --live                also run path B: a mock LLM + \`opencode run --share\` (live, incremental syncs)
  --opencode <path>     opencode binary (default: $OPENCODE_BIN, else node_modules/opencode-<os>-<cpu>/bin/opencode
                        or node_modules/.bin/opencode found upwards from the cwd and from this script)
  --export <file>       session export to import for path A (default: fixtures/opencode-1.18.33-A/export.json at the repository root)
  --timeout <ms>        how long to wait for data to arrive on the server (default 30000)
  --workdir <dir>       parent of the temporary sandbox (default: the OS temp dir)
  --keep                keep the sandbox (HOMEs, repos, logs, exports) and print where it is
  --out <file>          also write the JSON summary to <file>
  --keep-trailing-slash pass --server to opencode exactly as given (default: strip trailing slashes)
`;

const log = (...a) => process.stderr.write(`[opencode-cli] ${a.join(" ")}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parse() {
  try {
    return parseArgs({
      options: {
        server: { type: "string" },
        "self-test": { type: "boolean", default: false },
        live: { type: "boolean", default: false },
        opencode: { type: "string" },
        export: { type: "string" },
        timeout: { type: "string", default: "30000" },
        workdir: { type: "string" },
        keep: { type: "boolean", default: false },
        out: { type: "string" },
        "keep-trailing-slash": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (e) {
    process.stderr.write(`${e.message}\n\n${USAGE}`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing what the server holds with what opencode holds

/** Items a share of this export should hold, by merge key (session, messages, parts). */
function expectedItems(exp) {
  const m = new Map();
  for (const msg of exp.messages) {
    m.set(itemKey({ type: "message", data: msg.info }), msg.info);
    for (const p of msg.parts) m.set(itemKey({ type: "part", data: p }), p);
  }
  return m;
}

function countByType(items) {
  const c = {};
  for (const it of items) c[it?.type] = (c[it?.type] ?? 0) + 1;
  return c;
}

/** Compare a GET /api/share/:id/data answer with an `opencode export`. */
function compareData(items, exp) {
  const got = new Map();
  for (const it of items) got.set(itemKey(it), it?.data);
  const want = expectedItems(exp);
  const missing = [];
  const differing = [];
  for (const [k, v] of want) {
    if (!got.has(k)) missing.push(k);
    else if (!isDeepStrictEqual(got.get(k), v)) differing.push(k);
  }
  const extra = [...got.keys()].filter((k) => !want.has(k) && k !== "session" && k !== "session_diff" && k !== "model");
  const session = got.get("session");
  const sessionDiffFields = session
    ? [...new Set([...Object.keys(session), ...Object.keys(exp.info)])].filter(
        (f) => !isDeepStrictEqual(session[f], exp.info[f]),
      )
    : null;
  const complete = missing.length === 0 && differing.length === 0 && session?.id === exp.info.id;
  return {
    items: items.length,
    byType: countByType(items),
    expected: { messages: exp.messages.length, parts: exp.messages.reduce((n, m) => n + m.parts.length, 0) },
    complete,
    missing: missing.slice(0, 20),
    missingCount: missing.length,
    differing: differing.slice(0, 20),
    differingCount: differing.length,
    extra: extra.slice(0, 20),
    sessionPresent: Boolean(session),
    sessionIdMatches: session?.id === exp.info.id,
    sessionFieldsDifferingFromExport: sessionDiffFields,
    modelItemHasOptionsOrHeaders: items.some(
      (it) => it?.type === "model" && (it.data ?? []).some((m) => m && ("options" in m || "headers" in m)),
    ),
  };
}

/** Compare two `opencode export` files: messages and parts deep-equal, in the same order. */
function compareExports(a, b) {
  const A = expectedItems(a);
  const B = expectedItems(b);
  const differing = [...A.keys()].filter((k) => !isDeepStrictEqual(A.get(k), B.get(k)));
  const extra = [...B.keys()].filter((k) => !A.has(k));
  const order = (e) => JSON.stringify(e.messages.map((m) => [m.info.id, m.parts.map((p) => p.id)]));
  return {
    messages: b.messages.length,
    parts: b.messages.reduce((n, m) => n + m.parts.length, 0),
    equal: differing.length === 0 && extra.length === 0,
    sameOrder: order(a) === order(b),
    differing: differing.slice(0, 20),
    extra: extra.slice(0, 20),
    infoFieldsDiffering: [...new Set([...Object.keys(a.info), ...Object.keys(b.info)])].filter(
      (f) => !isDeepStrictEqual(a.info[f], b.info[f]),
    ),
  };
}

async function getData(origin, shareID) {
  try {
    const res = await fetch(`${origin}/api/share/${shareID}/data`, { headers: { accept: "application/json" } });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, json, bytes: text.length };
  } catch (e) {
    return { status: 0, error: String(e.cause ?? e) };
  }
}

/** Poll the data endpoint until it holds the whole session (or time runs out). Times are ms since t0. */
async function waitForData(origin, shareID, exp, t0, timeoutMs) {
  let firstNonEmptyMs = null;
  let firstNonEmptyItems = null;
  let polls = 0;
  let last;
  for (;;) {
    polls++;
    last = await getData(origin, shareID);
    const items = Array.isArray(last.json) ? last.json : null;
    if (last.status === 200 && items?.length) {
      if (firstNonEmptyMs === null) {
        firstNonEmptyMs = Date.now() - t0;
        firstNonEmptyItems = items.length;
      }
      const cmp = compareData(items, exp);
      if (cmp.complete)
        return { ok: true, firstNonEmptyMs, firstNonEmptyItems, completeMs: Date.now() - t0, polls, cmp, items };
    }
    if (Date.now() - t0 > timeoutMs) {
      return {
        ok: false,
        firstNonEmptyMs,
        firstNonEmptyItems,
        completeMs: null,
        polls,
        lastStatus: last.status,
        lastError: last.error,
        cmp: items ? compareData(items, exp) : null,
        items: items ?? [],
      };
    }
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------------------------

class Checks {
  list = [];
  add(name, ok, detail, { required = true } = {}) {
    this.list.push({ name, ok: Boolean(ok), required, ...(detail === undefined ? {} : { detail }) });
    log(
      `${ok ? "ok  " : required ? "FAIL" : "warn"} ${name}${detail !== undefined && !ok ? ` — ${JSON.stringify(detail)}` : ""}`,
    );
    return Boolean(ok);
  }
  get failed() {
    return this.list.filter((c) => c.required && !c.ok);
  }
}

async function openApi(serveUrl, method, path, dir) {
  const url = `${serveUrl}${path}?directory=${encodeURIComponent(dir)}`;
  const t0 = Date.now();
  const res = await fetch(url, {
    method,
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text: json ? undefined : text.slice(0, 500), ms: Date.now() - t0 };
}

function gitInit(dir, env) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README.md"), "# scratch repo for the opencode CLI contract test\n");
  const git = (...args) =>
    spawnSyncOk("git", ["-c", "user.name=contract", "-c", "user.email=contract@example.invalid", ...args], dir, env);
  return git("init", "-q") && git("add", "-A") && git("commit", "-q", "-m", "init");
}

function spawnSyncOk(cmd, args, cwd, env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8" });
  return r.status === 0;
}

/** WARN/ERROR lines of an `opencode serve --print-logs` log (failed syncs, ProviderModelNotFoundError, ...). */
function serveProblems(logDir) {
  try {
    return readFileSync(join(logDir, "serve.stderr.log"), "utf8")
      .split("\n")
      .filter((l) => /level=(WARN|ERROR)/.test(l))
      .slice(-10)
      .map((l) => l.slice(0, 600));
  } catch {
    return [];
  }
}

function recorderSummary(recorder, shareID) {
  if (!recorder) return undefined;
  const all = recorder.requests.filter(
    (r) => r.path.includes(`/${shareID}`) || (r.path === "/api/share" && r.shareID === shareID),
  );
  // Only what the CLI sent (user-agent opencode/<version>), not this harness's own polling.
  const reqs = all.filter((r) => String(r.headers["user-agent"] ?? "").startsWith("opencode/"));
  const create = reqs.find((r) => r.path === "/api/share");
  const t0 = create?.tStart ?? reqs[0]?.tStart ?? 0;
  const syncs = reqs.filter((r) => r.path.endsWith("/sync"));
  const del = reqs.find((r) => r.method === "DELETE");
  const share = recorder.shares.get(shareID);
  return {
    requests: reqs.map((r) => ({
      atMs: r.tStart - t0,
      method: r.method,
      url: r.rawUrl,
      status: r.status,
      bytes: r.rawLength,
      ...(r.items !== undefined ? { items: r.items, types: countByType(r.body.data) } : {}),
    })),
    harnessRequests: all.length - reqs.length,
    userAgent: create?.headers?.["user-agent"] ?? null,
    createBody: create?.body,
    createHeaders: create?.headers,
    syncCount: syncs.length,
    itemsSent: syncs.reduce((n, r) => n + (r.items ?? 0), 0),
    firstSyncAfterCreateMs: syncs[0] ? syncs[0].tStart - t0 : null,
    firstSyncItems: syncs[0]?.items ?? null,
    syncGapsMs: syncs.slice(1).map((r, i) => r.tStart - syncs[i].tStart),
    deleteCarriedSecret: del ? del.body?.secret === share?.secret : null,
    deleteContentType: del?.headers?.["content-type"] ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------

async function pathA(ctx) {
  const { bin, exportFile, serverUrl, sandboxRoot, checks, timeoutMs, recorder } = ctx;
  const out = { exportFile };
  const exp0 = JSON.parse(readFileSync(exportFile, "utf8"));
  const sessionID = exp0.info?.id;
  out.sessionID = sessionID;

  // Every provider/model the session's messages name must resolve, or the share's full sync fails with
  // ProviderModelNotFoundError and only the session item is ever sent. They are never called.
  const models = new Map();
  for (const m of exp0.messages) {
    const i = m.info;
    if (i.role === "user" && i.model) models.set(`${i.model.providerID}/${i.model.modelID}`, i.model);
    if (i.role === "assistant" && i.providerID)
      models.set(`${i.providerID}/${i.modelID}`, { providerID: i.providerID, modelID: i.modelID });
  }
  const config = {
    $schema: "https://opencode.ai/config.json",
    enterprise: { url: serverUrl },
    share: "manual",
    autoupdate: false,
    provider: providerConfig([...models.values()]),
  };
  const A = makeSandbox(join(sandboxRoot, "a"), config);
  const repo = join(A.root, "repo");
  out.repo = repo;
  out.git = gitInit(repo, A.env);
  if (!out.git) mkdirSync(repo, { recursive: true });

  // 1. import the export into the scratch repo's project
  const imp = await runOpencode(bin, ["import", exportFile], {
    cwd: repo,
    env: A.env,
    stdoutFile: join(A.root, "import.stdout.txt"),
  });
  out.import = { exitCode: imp.code, ms: imp.ms, stdout: imp.stdout.trim() };
  if (
    !checks.add(
      "A: opencode import <export.json>",
      imp.code === 0 && imp.stdout.includes(`Imported session: ${sessionID}`),
      out.import,
    )
  )
    return out;

  // 2. what opencode itself now holds (the baseline for every comparison)
  const exportA = join(A.root, "export-before-share.json");
  const ex = await runOpencode(bin, ["export", sessionID], { cwd: repo, env: A.env, stdoutFile: exportA });
  let exp;
  try {
    exp = JSON.parse(ex.stdout);
  } catch {}
  if (
    !checks.add("A: opencode export (before sharing)", ex.code === 0 && exp, {
      exitCode: ex.code,
      bytes: ex.stdout.length,
    })
  )
    return out;
  out.importFidelity = compareExports(exp0, exp);

  // 3. opencode serve
  const serve = startServe(bin, { cwd: repo, env: A.env, logDir: A.root });
  ctx.cleanups.push(serve.stop);
  let ready;
  try {
    ready = await serve.ready;
  } catch (e) {
    checks.add("A: opencode serve starts", false, String(e.message));
    return out;
  }
  out.serve = { url: ready.url, startMs: ready.ms };
  checks.add("A: opencode serve starts", true);

  // 4. share
  const t0 = Date.now();
  const share = await openApi(ready.url, "POST", `/session/${sessionID}/share`, repo);
  const shareUrl = share.json?.share?.url;
  out.share = {
    status: share.status,
    ms: share.ms,
    url: shareUrl ?? null,
    error: shareUrl ? undefined : (share.json ?? share.text),
  };
  if (!checks.add("A: POST /session/:id/share returns a share url", share.status === 200 && shareUrl, out.share))
    return out;
  const m = SHARE_URL_RE.exec(shareUrl);
  checks.add("A: share url is <origin>/share/<id> (what `opencode import <url>` accepts)", m, shareUrl);
  const shareID = m?.[1] ?? shareUrl.split("/").filter(Boolean).pop();
  const origin = new URL(shareUrl).origin;
  out.share.id = shareID;
  out.share.origin = origin;
  if (origin !== new URL(serverUrl).origin)
    out.share.note = "share url origin differs from --server; data read from the share url origin";

  // 5. data arrives
  const wait = await waitForData(origin, shareID, exp, t0, timeoutMs);
  out.data = {
    firstNonEmptyMs: wait.firstNonEmptyMs,
    firstNonEmptyItems: wait.firstNonEmptyItems,
    completeMs: wait.completeMs,
    polls: wait.polls,
    ...(wait.lastStatus !== undefined ? { lastStatus: wait.lastStatus, lastError: wait.lastError } : {}),
    ...wait.cmp,
  };
  checks.add(
    `A: GET ${origin}/api/share/<id>/data holds the whole session (messages+parts deep-equal)`,
    wait.ok,
    wait.ok ? undefined : out.data,
  );
  checks.add("A: the session item is present with the right id", wait.cmp?.sessionIdMatches, wait.cmp?.sessionPresent);
  checks.add(
    "A: the model item carries no options/headers (privacy strip)",
    !wait.cmp?.modelItemHasOptionsOrHeaders,
    undefined,
    {
      required: false,
    },
  );

  // 6. share page (informational)
  try {
    const res = await fetch(shareUrl, { redirect: "manual", signal: AbortSignal.timeout(15_000) });
    out.sharePage = { status: res.status, contentType: res.headers.get("content-type") };
    await res.arrayBuffer();
  } catch (e) {
    out.sharePage = { error: String(e.cause ?? e) };
  }
  checks.add(
    "A: GET <share url> answers 200 text/html",
    out.sharePage.status === 200 && /html/.test(out.sharePage.contentType ?? ""),
    out.sharePage,
    {
      required: false,
    },
  );

  // 7. round trip: `opencode import <share url>` in a second, fresh HOME
  const B = makeSandbox(join(sandboxRoot, "b"), { enterprise: { url: serverUrl }, share: "manual", autoupdate: false });
  const dirB = join(B.root, "dir");
  mkdirSync(dirB, { recursive: true });
  const imp2 = await runOpencode(bin, ["import", shareUrl], {
    cwd: dirB,
    env: B.env,
    stdoutFile: join(B.root, "import.stdout.txt"),
  });
  out.roundTrip = { exitCode: imp2.code, ms: imp2.ms, stdout: imp2.stdout.trim() };
  // `opencode import` exits 0 even when the fetch fails: judge by its output.
  if (
    checks.add(
      "A: opencode import <share url> (fresh HOME)",
      imp2.code === 0 && imp2.stdout.includes(`Imported session: ${sessionID}`),
      out.roundTrip,
    )
  ) {
    const ex2 = await runOpencode(bin, ["export", sessionID], {
      cwd: dirB,
      env: B.env,
      stdoutFile: join(B.root, "export.json"),
    });
    let expB;
    try {
      expB = JSON.parse(ex2.stdout);
    } catch {}
    out.roundTrip.export = expB ? compareExports(exp, expB) : { exitCode: ex2.code, error: "not JSON" };
    checks.add(
      "A: re-imported session equals the original (messages+parts)",
      expB && out.roundTrip.export.equal,
      out.roundTrip.export,
    );
  }

  // 8. unshare
  const un = await openApi(ready.url, "DELETE", `/session/${sessionID}/share`, repo);
  out.unshare = { status: un.status, ms: un.ms };
  checks.add("A: DELETE /session/:id/share (unshare) succeeds", un.status === 200, out.unshare);
  await sleep(500);
  const after = await getData(origin, shareID);
  out.unshare.dataAfter = {
    status: after.status,
    items: Array.isArray(after.json) ? after.json.length : null,
  };
  checks.add(
    "A: after unshare the data is gone (404/410, or 200 [])",
    after.status === 404 ||
      after.status === 410 ||
      (after.status === 200 && Array.isArray(after.json) && after.json.length === 0),
    out.unshare.dataAfter,
  );
  // opencode 1.18.33 drops its secret row but keeps session.share.url after unshare (see README).
  const s = await openApi(ready.url, "GET", `/session/${sessionID}`, repo);
  out.unshare.localShareUrlAfter = s.json?.share?.url ?? null;

  out.recorder = recorderSummary(recorder, shareID);
  if (recorder) {
    const r = out.recorder;
    // Usually true, but timing-dependent: on a busy machine the session item queued by the create is flushed
    // alone before the full sync is assembled, and the whole session follows ~1 s later in the second batch.
    r.fullSessionInFirstSync =
      r.firstSyncItems >= exp.messages.length + exp.messages.reduce((n, m) => n + m.parts.length, 0);
    checks.add(
      "self-test: the first sync carried the whole session",
      r.fullSessionInFirstSync,
      { firstSyncItems: r.firstSyncItems },
      {
        required: false,
      },
    );
    checks.add(
      "self-test: DELETE /api/share/:id carried the secret as JSON",
      r.deleteCarriedSecret && r.deleteContentType === "application/json",
      {
        deleteCarriedSecret: r.deleteCarriedSecret,
        contentType: r.deleteContentType,
      },
    );
  }
  await serve.stop();
  return out;
}

async function pathB(ctx) {
  const { bin, serverUrl, sandboxRoot, checks, timeoutMs, recorder } = ctx;
  const out = {};
  const C = { root: join(sandboxRoot, "c") };
  const repo = join(C.root, "repo");
  const mock = await startMockLLM({ dir: repo, logFile: join(sandboxRoot, "c-mock-llm.jsonl") });
  ctx.cleanups.push(mock.close);
  const sb = makeSandbox(C.root, {
    $schema: "https://opencode.ai/config.json",
    enterprise: { url: serverUrl },
    share: "manual",
    autoupdate: false,
    model: "mock/scripted-x",
    small_model: "mock/scripted-x",
    provider: providerConfig([{ providerID: "mock", modelID: "scripted-x", name: "Scripted X" }], mock.url),
  });
  out.git = gitInit(repo, sb.env);
  if (!out.git) mkdirSync(repo, { recursive: true });

  const serve = startServe(bin, { cwd: repo, env: sb.env, logDir: C.root });
  ctx.cleanups.push(serve.stop);
  let ready;
  try {
    ready = await serve.ready;
  } catch (e) {
    checks.add("B: opencode serve starts", false, String(e.message));
    return out;
  }
  out.serve = { url: ready.url, startMs: ready.ms };

  // `--attach` keeps the share's batch timer in the long-lived server, so the last batch is flushed too.
  const t0 = Date.now();
  const run = await runOpencode(
    bin,
    [
      "run",
      "--attach",
      ready.url,
      "--dir",
      repo,
      "--share",
      "--format",
      "json",
      "-m",
      "mock/scripted-x",
      "--",
      "Please write some notes about this repository.",
    ],
    { cwd: repo, env: sb.env, stdoutFile: join(C.root, "run.stdout.jsonl"), timeoutMs: 180_000 },
  );
  let sessionID;
  for (const line of run.stdout.split("\n")) {
    try {
      sessionID ??= JSON.parse(line).sessionID;
    } catch {}
  }
  out.run = { exitCode: run.code, ms: run.ms, sessionID: sessionID ?? null, llmRequests: mock.requests.length };
  if (
    !checks.add("B: opencode run --attach --share finishes", run.code === 0 && sessionID, {
      ...out.run,
      stderr: run.stderr.slice(-1000),
    })
  )
    return out;
  const s = await openApi(ready.url, "GET", `/session/${sessionID}`, repo);
  const shareUrl = s.json?.share?.url;
  out.shareUrl = shareUrl ?? null;
  out.shareUrlOnStderr =
    /https?:\/\/\S+\/share\/[A-Za-z0-9_-]+/.exec(run.stderr.replace(/\x1b\[[0-9;]*m/g, ""))?.[0] ?? null;
  if (!checks.add("B: the session has a share url", shareUrl, s.json ?? s.text)) return out;
  const shareID = SHARE_URL_RE.exec(shareUrl)?.[1] ?? shareUrl.split("/").pop();
  const origin = new URL(shareUrl).origin;

  await sleep(2500); // the last ~1 s batch window after the run ends
  const exportC = join(C.root, "export.json");
  const ex = await runOpencode(bin, ["export", sessionID], { cwd: repo, env: sb.env, stdoutFile: exportC });
  let exp;
  try {
    exp = JSON.parse(ex.stdout);
  } catch {}
  if (!checks.add("B: opencode export", exp, { exitCode: ex.code })) return out;
  const wait = await waitForData(origin, shareID, exp, Date.now(), timeoutMs);
  out.data = { ...wait.cmp, sinceRunStartMs: Date.now() - t0 };
  checks.add("B: the live share holds the whole session", wait.ok, wait.ok ? undefined : out.data);
  const tools = wait.items.filter((i) => i.type === "part" && i.data?.type === "tool").map((i) => i.data);
  out.tools = tools.map(
    (t) => `${t.tool}:${t.state?.status}${t.tool === "bash" ? `(exit ${t.state?.metadata?.exit})` : ""}`,
  );
  checks.add(
    "B: tool parts arrived completed",
    tools.length >= 5 && tools.every((t) => t.state?.status === "completed"),
    out.tools,
  );

  const un = await openApi(ready.url, "DELETE", `/session/${sessionID}/share`, repo);
  out.unshare = { status: un.status };
  checks.add("B: unshare succeeds", un.status === 200, out.unshare);
  out.recorder = recorderSummary(recorder, shareID);
  if (recorder)
    checks.add(
      "self-test: live share arrived in several incremental syncs",
      out.recorder.syncCount >= 3,
      out.recorder.syncCount,
    );
  await serve.stop();
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const opts = parse();
  if (opts.help || (!opts.server && !opts["self-test"])) {
    process.stderr.write(USAGE);
    process.exit(opts.help ? 0 : 2);
  }
  const summary = { ok: false, startedAt: new Date().toISOString() };
  const found = resolveOpencode(opts.opencode, [process.cwd(), HERE]);
  if (!found.bin) {
    process.stderr.write(
      `no working opencode binary found (tried ${JSON.stringify(found.tried)}).\n` +
        `Install one, e.g.: npm install --prefix /tmp/oc opencode-linux-x64@${EXPECTED_VERSION}  then pass --opencode /tmp/oc/node_modules/opencode-linux-x64/bin/opencode\n`,
    );
    process.exit(2);
  }
  summary.opencode = { bin: found.bin, version: found.version };
  if (found.version !== EXPECTED_VERSION)
    log(`warning: opencode ${found.version}, this harness was verified with ${EXPECTED_VERSION}`);

  const checks = new Checks();
  const cleanups = [];
  let recorder;
  let serverUrl;
  if (opts["self-test"]) {
    recorder = await startRecordingServer();
    cleanups.push(recorder.close);
    serverUrl = recorder.url;
  } else {
    try {
      const u = new URL(opts.server);
      if (!/^https?:$/.test(u.protocol)) throw new Error("not http(s)");
    } catch {
      process.stderr.write(`--server must be an http(s) URL, got ${opts.server}\n`);
      process.exit(2);
    }
    serverUrl = opts["keep-trailing-slash"] ? opts.server : opts.server.replace(/\/+$/, "");
  }
  summary.server = serverUrl;
  summary.selfTest = opts["self-test"];

  const sandboxRoot = mkdtempSync(join(resolve(opts.workdir ?? tmpdir()), "opencode-contract-"));
  summary.sandbox = sandboxRoot;
  const ctx = {
    bin: found.bin,
    serverUrl,
    sandboxRoot,
    checks,
    cleanups,
    recorder,
    timeoutMs: Number(opts.timeout),
    exportFile: resolve(opts.export ?? DEFAULT_EXPORT),
  };
  const onSignal = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    log(`opencode ${found.version} at ${found.bin}; share server ${serverUrl}; sandbox ${sandboxRoot}`);
    summary.pathA = await pathA(ctx);
    summary.pathA.serveProblems = serveProblems(join(sandboxRoot, "a"));
    if (opts.live) {
      summary.pathB = await pathB(ctx);
      summary.pathB.serveProblems = serveProblems(join(sandboxRoot, "c"));
    }
  } catch (e) {
    checks.add("harness ran without an exception", false, String(e.stack ?? e));
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    if (!opts.keep) rmSync(sandboxRoot, { recursive: true, force: true });
  }
  summary.checks = checks.list;
  summary.failed = checks.failed.map((c) => c.name);
  summary.ok = summary.failed.length === 0;
  summary.sandboxKept = opts.keep;
  const text = `${JSON.stringify(summary, null, 2)}\n`;
  if (opts.out) writeFileSync(opts.out, text);
  process.stdout.write(text);
  log(summary.ok ? "PASS" : `FAIL: ${summary.failed.join("; ")}`);
  process.exitCode = summary.ok ? 0 : 1;
}

await main();
