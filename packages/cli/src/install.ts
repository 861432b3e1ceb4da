/**
 * `shareroom install claude|codex|gemini`: hooks that start `shareroom share` when a session starts and end it when
 * the session ends. Each agent's hook file and shape: docs/agents.md, "Hooks". Existing hooks are kept; ours are
 * recognised by the ` hook <agent> ` in their command and replaced, so running install twice changes nothing.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rec } from "@shareroom/shared/data";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import type { AgentId } from "./conversation.ts";
import { claudeHome, codexHome, geminiHome } from "./locations.ts";

/** Files an install wrote. */
export interface InstallResult {
  files: string[];
}

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`${path} is not valid JSON; fix or move it, then run install again`);
  }
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Shell-quotes one word. */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The command that runs this CLI from a hook: the Node.js binary running now and the absolute path of the bin
 * script that ran `install` (symlinks such as `node_modules/.bin/shareroom` resolved). Never `npx shareroom@…`:
 * that would install whatever the registry holds under the name at every session start. A CLI run from npx's cache
 * keeps working until npm cleans that cache; run `install` again from a lasting copy then.
 */
export function defaultCommand(script = process.argv[1] ?? "", execPath = process.execPath): string {
  let path = resolve(script || fileURLToPath(import.meta.url));
  try {
    path = realpathSync(path);
  } catch {
    // A path that does not resolve now is still the one that ran.
  }
  return `${quote(execPath)} ${quote(path)}`;
}

/** The hook events of each agent we use: [event key in the hook file, our hook's event argument]. */
const EVENTS: Record<AgentId, [string, "session-start" | "session-end"][]> = {
  claude: [
    ["SessionStart", "session-start"],
    ["SessionEnd", "session-end"],
  ],
  codex: [
    ["SessionStart", "session-start"],
    ["SessionEnd", "session-end"],
  ],
  gemini: [
    ["SessionStart", "session-start"],
    ["SessionEnd", "session-end"],
  ],
};

/** Seconds an agent waits for our hook (it only starts a background process or signals one). */
const HOOK_TIMEOUT_S = 30;

/** Our hook's handler object for `agent`'s hook file. */
function handler(agent: AgentId, command: string, event: string): Json {
  const base = { type: "command", command: `${command} hook ${agent} ${event}`, timeout: HOOK_TIMEOUT_S };
  return agent === "gemini" ? { ...base, name: `shareroom-${event}`, timeout: HOOK_TIMEOUT_S * 1000 } : base;
}

/** Puts our hooks into a `{hooks: {Event: [{hooks: [...]}]}}` document; returns the group index per event. */
function mergeHooks(doc: Json, agent: AgentId, command: string): Map<string, number> {
  const hooks = (doc.hooks && typeof doc.hooks === "object" ? doc.hooks : {}) as Record<string, unknown>;
  const positions = new Map<string, number>();
  const ours = (entry: unknown) =>
    JSON.stringify(entry).includes(` hook ${agent} session-`) && JSON.stringify(entry).includes("shareroom");
  for (const [event, argument] of EVENTS[agent]) {
    const groups = (Array.isArray(hooks[event]) ? [...hooks[event]] : []) as Json[];
    const group = { hooks: [handler(agent, command, argument)] };
    // Replace in place: moving other groups would change the positions Codex keys their trust by.
    const index = groups.findIndex(ours);
    if (index >= 0) groups[index] = group;
    else groups.push(group);
    hooks[event] = groups;
    positions.set(event, index >= 0 ? index : groups.length - 1);
  }
  doc.hooks = hooks;
  return positions;
}

/** Codex's snake_case label of a hook event (its trust keys and hashes use it). */
const CODEX_EVENT_LABELS: Record<string, string> = { SessionStart: "session_start", SessionEnd: "session_end" };

/**
 * The hash Codex records to trust a command hook: SHA-256 of the canonical JSON (keys sorted, no spaces) of
 * `{event_name, hooks: [{type: "command", command, timeout, async}]}` (plus `matcher` when set), as
 * `sha256:<hex>`. Source: openai/codex `codex-rs/hooks/src/engine/discovery.rs` (`command_hook_hash`) and
 * `codex-rs/config/src/fingerprint.rs` (`version_for_toml`).
 */
export function codexHookHash(eventLabel: string, command: string, timeout: number, matcher?: string): string {
  const identity: Json = {
    event_name: eventLabel,
    hooks: [{ async: false, command, timeout: Math.max(1, timeout), type: "command" }],
  };
  if (matcher !== undefined) identity.matcher = matcher;
  return `sha256:${createHash("sha256").update(canonicalJson(identity)).digest("hex")}`;
}

/** A TOML table as smol-toml parses it. */
type Table = Record<string, unknown>;

/** `value` as a table; smol-toml's dates are objects too, but values. */
const table = (value: unknown): Table | undefined => (value instanceof Date ? undefined : rec(value));

/**
 * JSON with sorted keys and no spaces: to compare two parsed documents whatever order their tables came in, and the
 * canonical form Codex hashes ({@link codexHookHash}).
 */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, inner) => {
    const tab = table(inner);
    return tab
      ? Object.fromEntries(
          Object.keys(tab)
            .sort()
            .map((key) => [key, tab[key]]),
        )
      : inner;
  });
}

/**
 * Sets `hooks.state."<key>".trusted_hash = "<hash>"` for each `[key, hash]` in a config.toml text, keeping every
 * other value of those tables and of the document. The text is edited in place when it can be (earlier tables of
 * ours replaced, new ones appended), so comments and layout stay; the result is parsed again and, if it does not
 * say exactly what was meant (the user wrote those keys in another form, such as dotted keys under `[hooks]`), the
 * whole document is written anew from its parsed values instead (comments are lost then). Throws an Error naming
 * the problem when `toml` is not valid TOML.
 */
export function trustInToml(toml: string, trusts: [string, string][]): string {
  let doc: Table;
  try {
    doc = parseToml(toml);
  } catch (error) {
    throw new Error(
      `config.toml is not valid TOML (${(error as Error).message.split("\n")[0]}); fix it, then run install again`,
    );
  }
  const hooks = table(doc.hooks) ?? {};
  const state = table(hooks.state) ?? {};
  if (trusts.every(([key, hash]) => table(state[key])?.trusted_hash === hash)) return toml;
  const tables: Table = {};
  for (const [key, hash] of trusts) {
    tables[key] = { ...table(state[key]), trusted_hash: hash };
    delete state[key];
  }
  Object.assign(state, tables);
  hooks.state = state;
  doc.hooks = hooks;

  let text = toml;
  for (const [key] of trusts) {
    const headers = [`[hooks.state.${JSON.stringify(key)}]`, `[hooks.state.${key}]`];
    for (const header of headers) {
      const start = text.indexOf(header);
      if (start < 0) continue;
      const next = text.indexOf("\n[", start + header.length);
      text = text.slice(0, start) + (next < 0 ? "" : text.slice(next + 1));
    }
  }
  const body = text.replace(/\s*$/, "");
  const edited = `${body}${body ? "\n\n" : ""}${stringifyToml({ hooks: { state: tables } })}`;
  try {
    if (canonicalJson(parseToml(edited)) === canonicalJson(doc)) return edited;
  } catch {
    // The edit made the document invalid (a table defined twice): write it anew below.
  }
  return stringifyToml(doc);
}

/** Installs the hooks of `agent`; `command` is how the hook runs this CLI. */
export function install(agent: AgentId, command: string, env = process.env): InstallResult {
  if (agent === "claude") {
    const path = join(claudeHome(env), "settings.json");
    const doc = readJson(path);
    mergeHooks(doc, agent, command);
    writeJson(path, doc);
    return { files: [path] };
  }
  if (agent === "gemini") {
    const path = join(geminiHome(env), "settings.json");
    const doc = readJson(path);
    mergeHooks(doc, agent, command);
    writeJson(path, doc);
    return { files: [path] };
  }
  const home = codexHome(env);
  const configPath = join(home, "config.toml");
  let toml = "";
  try {
    toml = readFileSync(configPath, "utf8");
  } catch {
    // A fresh Codex home.
  }
  // Refuse an invalid config.toml before any hook is written: a hook Codex cannot trust would never run.
  trustInToml(toml, []);
  const hooksPath = join(home, "hooks.json");
  const doc = readJson(hooksPath);
  const positions = mergeHooks(doc, agent, command);
  writeJson(hooksPath, doc);
  // Codex keys trust by the canonical path of hooks.json, the event, the group and the handler index.
  const canonical = realpathSync(hooksPath);
  const trusts: [string, string][] = EVENTS.codex.map(([event, argument]) => {
    const label = CODEX_EVENT_LABELS[event]!;
    const hook = handler("codex", command, argument);
    return [
      `${canonical}:${label}:${positions.get(event)}:0`,
      codexHookHash(label, String(hook.command), HOOK_TIMEOUT_S),
    ];
  });
  writeFileSync(configPath, trustInToml(toml, trusts));
  return { files: [hooksPath, configPath] };
}
