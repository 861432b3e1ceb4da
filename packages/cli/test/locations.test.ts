import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findTranscript, installedVersion } from "../src/locations.ts";
import { FIXTURE_ROOT } from "./fixtures.ts";

const env: NodeJS.ProcessEnv = {
  HOME: "/nonexistent",
  CLAUDE_CONFIG_DIR: `${FIXTURE_ROOT}claude`,
  CODEX_HOME: `${FIXTURE_ROOT}codex`,
  GEMINI_CLI_HOME: `${FIXTURE_ROOT}gemini`,
};
const gemini: NodeJS.ProcessEnv = { HOME: "/nonexistent" };

describe("finding the session to share", () => {
  it("takes Claude Code's own session from inside it (CLAUDE_CODE_SESSION_ID)", () => {
    const found = findTranscript(
      { cwd: "/elsewhere" },
      { ...env, CLAUDE_CODE_SESSION_ID: "c9b63840-a16c-4b12-8fe8-e9852e0e1394" },
    );
    expect(found).toEqual({
      agent: "claude",
      path: expect.stringMatching(/c9b63840-a16c-4b12-8fe8-e9852e0e1394\.jsonl$/),
    });
  });

  it("takes Codex's own session from inside it (CODEX_THREAD_ID)", () => {
    const found = findTranscript(
      { cwd: "/elsewhere" },
      { ...env, CODEX_THREAD_ID: "01a230ba-2419-70d1-85e9-458572289212" },
    );
    expect(found.agent).toBe("codex");
  });

  it("takes the newest transcript whose working directory is the current one", () => {
    expect(findTranscript({ cwd: "/home/dev/codex-demo" }, env).agent).toBe("codex");
    expect(findTranscript({ cwd: "/home/dev/claude-demo" }, env).agent).toBe("claude");
  });

  it("finds Gemini CLI's chat of the current directory's project (GEMINI_CLI_HOME)", () => {
    const home = { ...gemini, GEMINI_CLI_HOME: `${FIXTURE_ROOT}gemini`, GEMINI_CLI: "1" };
    const found = findTranscript({ cwd: "/home/dev/gemini-demo" }, home);
    expect(found).toEqual({
      agent: "gemini",
      path: expect.stringMatching(/session-2026-12-01T08-35-8addd1c8\.jsonl$/),
    });
  });

  it("takes a session by id or by path when told", () => {
    expect(findTranscript({ cwd: "/", session: "6f65b1f2-d74b-492f-b9df-f353375644ea" }, env).agent).toBe("claude");
    const path = `${FIXTURE_ROOT}codex/sessions/rollout-run2-exec-tools.jsonl`;
    expect(findTranscript({ cwd: "/", session: path }, env)).toEqual({ agent: "codex", path });
  });
});

describe("the version of an agent whose transcripts do not record it", () => {
  it("is read from the npm package its command on PATH belongs to", () => {
    const root = mkdtempSync(join(tmpdir(), "shareroom-version-"));
    const pkg = join(root, "lib", "node_modules", "@google", "gemini-cli");
    mkdirSync(join(pkg, "dist"), { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "@google/gemini-cli", version: "0.61.0" }));
    writeFileSync(join(pkg, "dist", "index.js"), "");
    mkdirSync(join(root, "bin"));
    symlinkSync(join(pkg, "dist", "index.js"), join(root, "bin", "gemini"));
    expect(installedVersion("gemini", { PATH: `/nonexistent:${join(root, "bin")}` })).toBe("0.61.0");
    expect(installedVersion("gemini", { PATH: "/nonexistent" })).toBeUndefined();
    rmSync(root, { recursive: true, force: true });
  });
});
