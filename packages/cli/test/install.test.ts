import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { afterAll, describe, expect, it } from "vitest";
import { codexHookHash, defaultCommand, install, trustInToml } from "../src/install.ts";

const COMMAND = "/usr/bin/node /opt/shareroom/bin/shareroom.mjs";

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function homes() {
  const root = mkdtempSync(join(tmpdir(), "shareroom-install-"));
  roots.push(root);
  return {
    root,
    env: {
      HOME: root,
      CLAUDE_CONFIG_DIR: join(root, ".claude"),
      CODEX_HOME: join(root, ".codex"),
      GEMINI_CLI_HOME: root,
    } as NodeJS.ProcessEnv,
  };
}

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

describe("shareroom install", () => {
  it("makes hooks run the CLI that ran install by its absolute path, never a registry download", () => {
    const script = "/home/dev/.npm/_npx/1f2e/node_modules/shareroom/bin/shareroom.mjs";
    expect(defaultCommand(script, "/usr/bin/node")).toBe(`/usr/bin/node ${script}`);
    expect(defaultCommand("/opt/my tools/shareroom.mjs", "/usr/bin/node")).toBe(
      "/usr/bin/node '/opt/my tools/shareroom.mjs'",
    );
  });

  it("adds Claude Code SessionStart and SessionEnd hooks beside the user's own, once however often it runs", () => {
    const { env } = homes();
    mkdirSync(env.CLAUDE_CONFIG_DIR!, { recursive: true });
    const own = { hooks: [{ type: "command", command: "/usr/local/bin/notify" }] };
    writeFileSync(
      join(env.CLAUDE_CONFIG_DIR!, "settings.json"),
      JSON.stringify({ model: "opus", hooks: { SessionStart: [own] } }),
    );
    install("claude", COMMAND, env);
    install("claude", COMMAND, env);
    const settings = json(join(env.CLAUDE_CONFIG_DIR!, "settings.json"));
    expect(settings.model).toBe("opus");
    expect(settings.hooks.SessionStart).toEqual([
      own,
      { hooks: [{ type: "command", command: `${COMMAND} hook claude session-start`, timeout: 30 }] },
    ]);
    expect(settings.hooks.SessionEnd).toEqual([
      { hooks: [{ type: "command", command: `${COMMAND} hook claude session-end`, timeout: 30 }] },
    ]);
  });

  it("adds Gemini CLI hooks to ~/.gemini/settings.json under GEMINI_CLI_HOME", () => {
    const { env, root } = homes();
    install("gemini", COMMAND, env);
    const settings = json(join(root, ".gemini", "settings.json"));
    expect(settings.hooks.SessionStart[0].hooks[0]).toMatchObject({
      type: "command",
      command: `${COMMAND} hook gemini session-start`,
      name: "shareroom-session-start",
    });
    expect(settings.hooks.SessionEnd[0].hooks[0].command).toBe(`${COMMAND} hook gemini session-end`);
  });

  it("adds Codex hooks to hooks.json and trusts each one in config.toml by its key and hash", () => {
    const { env } = homes();
    mkdirSync(env.CODEX_HOME!, { recursive: true });
    writeFileSync(join(env.CODEX_HOME!, "config.toml"), 'model = "gpt-5.5"\n');
    install("codex", COMMAND, env);
    install("codex", COMMAND, env);
    const hooks = json(join(env.CODEX_HOME!, "hooks.json")).hooks;
    expect(hooks.SessionStart).toHaveLength(1);
    const config = readFileSync(join(env.CODEX_HOME!, "config.toml"), "utf8");
    const file = realpathSync(join(env.CODEX_HOME!, "hooks.json"));
    const start = codexHookHash("session_start", `${COMMAND} hook codex session-start`, 30);
    expect(config).toContain('model = "gpt-5.5"');
    expect(config).toContain(`[hooks.state."${file}:session_start:0:0"]\ntrusted_hash = "${start}"`);
    expect(config.match(/\[hooks\.state\./g)).toHaveLength(2);
  });

  it("computes Codex's trust hash over the canonical JSON (sorted keys, no spaces) of the hook's identity", () => {
    const canonical =
      '{"event_name":"session_start","hooks":[{"async":false,"command":"echo hi","timeout":600,"type":"command"}]}';
    const expected = `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
    expect(codexHookHash("session_start", "echo hi", 600)).toBe(expected);
    const withMatcher =
      '{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"echo hi","timeout":600,"type":"command"}],"matcher":"*"}';
    expect(codexHookHash("pre_tool_use", "echo hi", 600, "*")).toBe(
      `sha256:${createHash("sha256").update(withMatcher).digest("hex")}`,
    );
  });

  it("keeps the comments and layout of config.toml when it adds the trust tables", () => {
    const before = '# my settings\nmodel = "gpt-5.5" # the default\n\n[projects."/x"]\ntrust_level = "trusted"\n';
    const after = trustInToml(before, [["/h/hooks.json:session_start:0:0", "sha256:1"]]);
    expect(after.startsWith(before.trimEnd())).toBe(true);
    expect(parseToml(after)).toEqual({
      model: "gpt-5.5",
      projects: { "/x": { trust_level: "trusted" } },
      hooks: { state: { "/h/hooks.json:session_start:0:0": { trusted_hash: "sha256:1" } } },
    });
  });

  it("trusts a hook whose state the user wrote as dotted keys under [hooks], leaving valid TOML", () => {
    const before =
      '[hooks]\nstate."a".trusted_hash = "old"\nstate."a".enabled = true\nstate."b".trusted_hash = "other"\n';
    const after = parseToml(trustInToml(before, [["a", "new"]]));
    expect(after).toEqual({
      hooks: { state: { a: { trusted_hash: "new", enabled: true }, b: { trusted_hash: "other" } } },
    });
  });

  it("refuses a config.toml that is not valid TOML, before writing any hook", () => {
    const { env } = homes();
    mkdirSync(env.CODEX_HOME!, { recursive: true });
    writeFileSync(join(env.CODEX_HOME!, "config.toml"), "model = \n");
    expect(() => install("codex", COMMAND, env)).toThrow(/config\.toml is not valid TOML/);
    expect(existsSync(join(env.CODEX_HOME!, "hooks.json"))).toBe(false);
  });

  it("replaces an earlier trust table of the same hook and keeps every other table", () => {
    const before = '[hooks.state."a"]\ntrusted_hash = "old"\n\n[projects."/x"]\ntrust_level = "trusted"\n';
    const after = trustInToml(before, [["a", "new"]]);
    expect(after).toContain('[projects."/x"]\ntrust_level = "trusted"');
    expect(parseToml(after)).toEqual({
      hooks: { state: { a: { trusted_hash: "new" } } },
      projects: { "/x": { trust_level: "trusted" } },
    });
    expect(after).not.toContain("old");
  });
});
