import { spawn } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type Item, itemKey } from "@shareroom/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionSource } from "../src/source.ts";
import { BIN, removeHomes, run, start, throwawayEnv, until } from "./cli.ts";
import { CANARY, FIXTURE_ROOT, pathOf, SESSIONS } from "./fixtures.ts";
import { type Recorder, startRecorder } from "./recorder.ts";

let recorder: Recorder;
beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(async () => {
  await recorder.close();
  removeHomes();
});

const syncsOf = (id: string) => recorder.requests.filter((request) => request.path === `/api/share/${id}/sync`);
const sentText = (id: string) => JSON.stringify(syncsOf(id).map((request) => request.body.data));
/** The share as the recorder would hold it: every item sent, by key, last one wins, removals applied. */
const held = (id: string) => {
  const items = new Map<string, string>();
  for (const request of syncsOf(id)) {
    for (const item of request.body.data as Item[]) items.set(itemKey(item), JSON.stringify(item));
    for (const key of (request.body.removed as string[] | undefined) ?? []) items.delete(key);
  }
  return items;
};
const sameItems = (a: Map<string, string>, b: Map<string, string>) =>
  a.size === b.size && [...a].every(([key, json]) => b.get(key) === json);

describe("shareroom share", () => {
  it.each(SESSIONS)("never sends vendor prompts, tool listings or machine context ($name)", async (session) => {
    const env = throwawayEnv();
    const dry = await run(["share", "--session", pathOf(session), "--agent", session.agent, "--dry-run"], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout.split("\n").filter(Boolean).length).toBeGreaterThan(5);
    for (const leak of [
      CANARY,
      "<environment_context>",
      "<session_context>",
      "base_instructions",
      "<system-reminder>",
    ]) {
      expect(dry.stdout).not.toContain(leak);
    }
    const shared = await run(
      ["share", "--session", pathOf(session), "--once", "--json", "--server", recorder.origin],
      env,
    );
    expect(shared.code).toBe(0);
    const { id } = JSON.parse(shared.stdout.split("\n")[0]!);
    expect(sentText(id)).not.toContain(CANARY);
    expect(sentText(id)).toContain("MAIN-TASK");
  });

  it("prints one JSON object with the share's id and url first, and resumes the same share when run again", async () => {
    const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
    const args = ["share", "--session", pathOf(SESSIONS[2]!), "--once", "--json"];
    const first = await run(args, env);
    expect(first.code).toBe(0);
    const line = JSON.parse(first.stdout.split("\n")[0]!);
    expect(line).toMatchObject({ id: expect.any(String), url: `${recorder.origin}/share/${line.id}`, resumed: false });
    const again = await run(args, env);
    expect(JSON.parse(again.stdout.split("\n")[0]!)).toMatchObject({ id: line.id, url: line.url, resumed: true });
    const stored = join(env.XDG_CONFIG_HOME!, "shareroom", "shares.json");
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(stored, "utf8")).shares["codex:01a230ba-2419-70d1-85e9-458572289212"]).toMatchObject(
      {
        id: line.id,
        secret: expect.stringMatching(/^secret-/),
      },
    );
  });

  it("reports an item the server refuses with its code in --json and on stderr, and syncs the rest", async () => {
    recorder.refuse("REFUSED-BY-THE-SERVER", 413, "payload_too_large");
    const env = throwawayEnv();
    const path = join(env.HOME!, "refused.jsonl");
    const row = (uuid: string, text: string) => ({
      type: "user",
      uuid,
      timestamp: "2026-12-01T10:00:00.000Z",
      cwd: "/work",
      message: { role: "user", content: text },
    });
    appendFileSync(path, `${JSON.stringify(row("u1", "a line the server takes"))}\n`);
    appendFileSync(path, `${JSON.stringify(row("u2", "REFUSED-BY-THE-SERVER"))}\n`);
    const args = ["share", "--session", path, "--agent", "claude", "--once", "--json", "--server", recorder.origin];
    const shared = await run(args, env);
    expect(shared.code).toBe(0);
    const lines = shared.stdout.trim().split("\n");
    const { id } = JSON.parse(lines[0]!);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ done: true, refused: 1, refusedCodes: { payload_too_large: 1 } });
    expect(shared.stderr).toMatch(/refused part\/\S+ \(payload_too_large/);
    expect(sentText(id)).toContain("a line the server takes");
  });

  it("stops following with exit code 1 and says why when the server refuses the share's syncs (401)", async () => {
    recorder.refuse("REFUSED-FOR-THE-SHARE", 401, "unauthorized");
    const env = throwawayEnv();
    const path = join(env.HOME!, "unauthorized.jsonl");
    const row = {
      type: "user",
      uuid: "u1",
      timestamp: "2026-12-01T10:00:00.000Z",
      cwd: "/work",
      message: { role: "user", content: "REFUSED-FOR-THE-SHARE" },
    };
    appendFileSync(path, `${JSON.stringify(row)}\n`);
    const follower = start(["share", "--session", path, "--agent", "claude", "--server", recorder.origin], env);
    try {
      const running = new Promise<string>((resolve) => setTimeout(() => resolve("still following"), 10_000).unref());
      expect(await Promise.race([follower.exit, running])).toBe(1);
      expect(follower.stderr()).toContain("the server refuses this share's syncs (unauthorized: refused); stopping");
    } finally {
      follower.child.kill("SIGKILL");
    }
  });

  describe("resuming a share", () => {
    const row = (uuid: string, text: string) =>
      `${JSON.stringify({
        type: "user",
        uuid,
        timestamp: "2026-12-01T10:00:00.000Z",
        cwd: "/work",
        message: { role: "user", content: text },
      })}\n`;
    /** A Claude Code transcript of `lines` user rows, shared once; returns what the tests need. */
    async function sharedOnce(lines: number) {
      const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
      const path = join(env.HOME!, "resumed.jsonl");
      for (let n = 1; n <= lines; n++) appendFileSync(path, row(`u${n}`, `line ${n}`));
      const args = ["share", "--session", path, "--agent", "claude", "--once", "--json"];
      const first = await run(args, env);
      expect(first.code).toBe(0);
      const { id } = JSON.parse(first.stdout.split("\n")[0]!);
      const state = join(env.XDG_CONFIG_HOME!, "shareroom", "state", "claude_resumed.json");
      return { env, path, args, id, state, again: () => run(args, env) };
    }
    /** The data items of the syncs of share `id` from request `from` on. */
    const sentSince = (id: string, from: number) =>
      syncsOf(id)
        .slice(from)
        .flatMap((request) => request.body.data as { type: string }[]);
    const fullRead = async (path: string, env: NodeJS.ProcessEnv) => {
      const dry = await run(["share", "--session", path, "--agent", "claude", "--dry-run"], env);
      const items = dry.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Item);
      return new Map(items.map((item) => [itemKey(item), JSON.stringify(item)]));
    };

    it("sends only the items that changed since the last run, and converges on a full read", async () => {
      const shared = await sharedOnce(6);
      expect(statSync(shared.state).mode & 0o777).toBe(0o600);
      const sent = syncsOf(shared.id).length;
      const unchanged = await shared.again();
      expect(JSON.parse(unchanged.stdout.split("\n")[0]!)).toMatchObject({ id: shared.id, resumed: true });
      expect(sentSince(shared.id, sent)).toEqual([]);
      appendFileSync(shared.path, row("u7", "line 7"));
      const later = syncsOf(shared.id).length;
      expect((await shared.again()).code).toBe(0);
      // The new message and its part (the rows share one timestamp, so the session item did not change).
      expect(
        sentSince(shared.id, later)
          .map((item) => item.type)
          .sort(),
      ).toEqual(["message", "part"]);
      expect(held(shared.id)).toEqual(await fullRead(shared.path, shared.env));
      // The run that sent them saved that it did: the next one sends nothing.
      const last = syncsOf(shared.id).length;
      expect((await shared.again()).code).toBe(0);
      expect(sentSince(shared.id, last)).toEqual([]);
    });

    it.each([
      ["missing", (state: string) => rmSync(state)],
      ["corrupt", (state: string) => writeFileSync(state, '{"version": 1, "share": ')],
      [
        "of another share",
        (state: string) =>
          writeFileSync(state, readFileSync(state, "utf8").replace(/"share": "[^"]*"/, '"share": "other"')),
      ],
    ])("sends every item again when the saved state is %s", async (_, spoil) => {
      const shared = await sharedOnce(4);
      const all = sentSince(shared.id, 0).length;
      spoil(shared.state);
      const sent = syncsOf(shared.id).length;
      expect((await shared.again()).code).toBe(0);
      expect(sentSince(shared.id, sent)).toHaveLength(all);
      expect(held(shared.id)).toEqual(await fullRead(shared.path, shared.env));
    });

    it("sends every item again when the server answers with a seq behind the saved one", async () => {
      const shared = await sharedOnce(4);
      const all = sentSince(shared.id, 0).length;
      recorder.lose();
      const sent = syncsOf(shared.id).length;
      expect((await shared.again()).code).toBe(0);
      expect(sentSince(shared.id, sent)).toHaveLength(all);
    });

    it("converges on a full read after a re-send for a server that lost changes is cut short", async () => {
      // The recorder's seq counts requests since lose(): small for the first run, passed again by later ones.
      recorder.lose();
      const shared = await sharedOnce(4);
      recorder.lose();
      const lost = syncsOf(shared.id).length;
      // The probe passes, the re-send fails, and the follower is killed while it waits to retry.
      recorder.failNext(100, 1);
      const follower = start(
        shared.args.filter((arg) => arg !== "--once"),
        shared.env,
      );
      await until(() => syncsOf(shared.id).some((request, index) => index > lost && request.status === 503));
      follower.child.kill("SIGKILL");
      await follower.exit;
      recorder.failNext(0);
      expect((await shared.again()).code).toBe(0);
      const heldSince = new Map<string, string>();
      for (const request of syncsOf(shared.id).slice(lost)) {
        if (request.status !== 200) continue;
        for (const item of request.body.data as Item[]) heldSince.set(itemKey(item), JSON.stringify(item));
      }
      expect(heldSince).toEqual(await fullRead(shared.path, shared.env));
    });
  });

  it("says in one line that no session was found, when the current directory has none", async () => {
    const env = throwawayEnv({ CODEX_HOME: `${FIXTURE_ROOT}codex`, CLAUDE_CONFIG_DIR: `${FIXTURE_ROOT}claude` });
    const found = await run(["share", "--dry-run"], env, "/");
    expect(found.code).toBe(1);
    expect(found.stderr).toBe("shareroom: no claude, codex, gemini session was found for /\n");
  });

  it("sends every line the agent appends before the next one is written, and exits 0 after a final sync on SIGTERM", async () => {
    const env = throwawayEnv();
    const source = pathOf(SESSIONS[0]!);
    const project = join(env.HOME!, ".claude", "projects", "-home-dev-claude-demo");
    mkdirSync(project, { recursive: true });
    const path = join(project, "6f65b1f2-d74b-492f-b9df-f353375644ea.jsonl");
    const lines = readFileSync(source, "utf8").split("\n").filter(Boolean);
    const half = lines.findIndex((line) => line.includes("toolu_faa523a70cfc2865"));
    appendFileSync(path, `${lines.slice(0, half).join("\n")}\n`);
    const follower = start(["share", "--session", path, "--json", "--server", recorder.origin], env);
    await until(() => follower.stdout().includes("\n"), 10_000, "the first stdout line");
    const { id } = JSON.parse(follower.stdout().split("\n")[0]!);
    await until(() => sentText(id).includes("hello.txt"), 5_000, "the first sync");
    expect(sentText(id)).not.toContain("line 2 (edited)");
    // Each line reaches the share on the follower's own file event or poll (every 250 ms), never pushed by a later
    // write: the share equals a full read of the file as written so far before the next line is appended. How fast
    // is the bench's to measure; the timeout only bounds a broken follower.
    const written = () => {
      const read = new SessionSource("claude", path);
      read.poll();
      return new Map(read.items().map((item) => [itemKey(item), JSON.stringify(item)]));
    };
    for (const [index, line] of lines.slice(half).entries()) {
      appendFileSync(path, `${line}\n`);
      const expected = written();
      await until(() => sameItems(held(id), expected), 5_000, `line ${half + index + 1} on the share`);
    }
    expect(sentText(id)).toContain("+line 2 (edited)");
    await until(() => sentText(id).includes("ran a subagent"), 3_000, "the final answer");
    follower.child.kill("SIGTERM");
    expect(await follower.exit).toBe(0);
    expect(JSON.parse(follower.stdout().trim().split("\n").at(-1)!)).toMatchObject({ done: true });
  });

  it("keeps one share for a Gemini CLI chat followed from before its file existed, when shared again after", async () => {
    const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
    const chats = join(env.HOME!, ".gemini", "tmp", "project", "chats");
    mkdirSync(chats, { recursive: true });
    const fixture = pathOf(SESSIONS.find((session) => session.agent === "gemini")!);
    const path = join(chats, fixture.split("/").at(-1)!);
    const follower = start(["share", "--session", path, "--agent", "gemini", "--json"], env);
    await until(() => follower.stdout().includes("\n"), 10_000, "the first stdout line");
    const { id } = JSON.parse(follower.stdout().split("\n")[0]!);
    copyFileSync(fixture, path);
    await until(() => sentText(id).includes("MAIN-TASK"), 5_000, "the chat's lines");
    follower.child.kill("SIGTERM");
    expect(await follower.exit).toBe(0);
    const again = await run(["share", "--session", path, "--once", "--json"], env);
    expect(JSON.parse(again.stdout.split("\n")[0]!)).toMatchObject({ id, resumed: true });
    const shares = JSON.parse(readFileSync(join(env.XDG_CONFIG_HOME!, "shareroom", "shares.json"), "utf8")).shares;
    expect(Object.keys(shares)).toHaveLength(1);
  });

  it("resumes a Gemini CLI share an earlier version stored under the session id, moving it and its state to the new key", async () => {
    const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
    const chats = join(env.HOME!, ".gemini", "tmp", "project", "chats");
    mkdirSync(chats, { recursive: true });
    const path = join(chats, "session-2026-12-01T08-35-8addd1c8.jsonl");
    copyFileSync(pathOf(SESSIONS.find((session) => session.agent === "gemini")!), path);
    const args = ["share", "--session", path, "--agent", "gemini", "--once", "--json"];
    const first = await run(args, env);
    const { id } = JSON.parse(first.stdout.split("\n")[0]!);
    // The store as the earlier version left it: keyed by the session id of the chat's first line.
    const dir = join(env.XDG_CONFIG_HOME!, "shareroom");
    const [newKey, oldKey] = [
      "gemini:session-2026-12-01T08-35-8addd1c8",
      "gemini:8addd1c8-b947-4f96-acca-e0129550dd66",
    ];
    const file = join(dir, "shares.json");
    const store = JSON.parse(readFileSync(file, "utf8"));
    store.shares = { [oldKey]: store.shares[newKey] };
    writeFileSync(file, JSON.stringify(store));
    const stateOf = (key: string) => join(dir, "state", `${key.replace(/[^A-Za-z0-9_.-]/g, "_")}.json`);
    renameSync(stateOf(newKey), stateOf(oldKey));

    const sent = syncsOf(id).length;
    const again = await run(args, env);
    expect(JSON.parse(again.stdout.split("\n")[0]!)).toMatchObject({ id, resumed: true });
    expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).shares)).toEqual([newKey]);
    expect(existsSync(stateOf(newKey))).toBe(true);
    expect(
      syncsOf(id)
        .slice(sent)
        .flatMap((request) => request.body.data as unknown[]),
    ).toEqual([]);
  });

  it("keeps the share's items when the followed transcript disappears", async () => {
    const env = throwawayEnv();
    const path = join(env.HOME!, "vanishing.jsonl");
    copyFileSync(pathOf(SESSIONS[0]!), path);
    const follower = start(
      ["share", "--session", path, "--agent", "claude", "--json", "--server", recorder.origin],
      env,
    );
    await until(() => follower.stdout().includes("\n"), 10_000, "the first stdout line");
    const { id } = JSON.parse(follower.stdout().split("\n")[0]!);
    await until(() => sentText(id).includes("ran a subagent"), 10_000, "the first sync");
    rmSync(path);
    follower.child.kill("SIGTERM");
    expect(await follower.exit).toBe(0);
    expect(syncsOf(id).flatMap((request) => (request.body.removed as string[] | undefined) ?? [])).toEqual([]);
  });

  it("stops following, after a final sync, when the agent process it watches is gone", async () => {
    const env = throwawayEnv();
    const agent = start(["--help"], env);
    await agent.exit;
    const follower = start(
      ["share", "--session", pathOf(SESSIONS[4]!), "--pid", String(agent.child.pid), "--server", recorder.origin],
      env,
    );
    expect(await follower.exit).toBe(0);
  });

  it("lists the shares made here and deletes one with its stored secret", async () => {
    const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
    const shared = await run(["share", "--session", pathOf(SESSIONS[4]!), "--once", "--json"], env);
    const { id, url } = JSON.parse(shared.stdout.split("\n")[0]!);
    const listed = await run(["list", "--json"], env);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, url, agent: "gemini" })]);
    expect(listed.stdout).not.toContain("secret");
    const removed = await run(["unshare", url], env);
    expect(removed.code).toBe(0);
    const deletion = recorder.requests.find(
      (request) => request.method === "DELETE" && request.path === `/api/share/${id}`,
    );
    expect(deletion?.body.secret).toEqual(expect.stringMatching(/^secret-/));
    expect(JSON.parse((await run(["list", "--json"], env)).stdout)).toEqual([]);
    expect((await run(["unshare", id], env)).code).toBe(1);
  });

  it("follows a session from the installed start hook to the end hook, which stops it after a final sync", async () => {
    const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
    const transcript = pathOf(SESSIONS[2]!);
    const hook = (event: string) =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, [BIN, "hook", "codex", event], { env, stdio: ["pipe", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (chunk) => {
          out += chunk;
        });
        child.once("exit", () => resolve(out));
        child.stdin.end(JSON.stringify({ session_id: "s1", transcript_path: transcript, hook_event_name: event }));
      });
    await hook("session-start");
    const running = join(env.XDG_CONFIG_HOME!, "shareroom", "running");
    await until(() => existsSync(running) && readdirSync(running).length === 1, 10_000, "the follower");
    const shares = () =>
      JSON.parse(readFileSync(join(env.XDG_CONFIG_HOME!, "shareroom", "shares.json"), "utf8")).shares;
    await until(() => existsSync(join(env.XDG_CONFIG_HOME!, "shareroom", "shares.json")), 10_000, "the share");
    const { id } = Object.values(shares())[0] as { id: string };
    await until(() => sentText(id).includes("MAIN-TASK"), 5_000, "the first sync");
    await hook("session-end");
    expect(readdirSync(running)).toEqual([]);
  });

  it.each([
    ["a bare pid", (pid: number) => `${pid}\n`],
    ["another start time", (pid: number) => `${JSON.stringify({ pid, start: "proc:1" })}\n`],
  ])(
    "`share --end` never signals a process whose pid the follower record names with %s (a reused pid)",
    async (_, record) => {
      const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
      const path = join(env.HOME!, "ended.jsonl");
      copyFileSync(pathOf(SESSIONS[0]!), path);
      const bystander = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      try {
        const running = join(env.XDG_CONFIG_HOME!, "shareroom", "running");
        mkdirSync(running, { recursive: true });
        writeFileSync(join(running, "claude_ended.pid"), record(bystander.pid!));
        const ended = await run(["share", "--session", path, "--agent", "claude", "--end"], env);
        expect(ended.code).toBe(0);
        expect(bystander.exitCode).toBeNull();
        expect(bystander.signalCode).toBeNull();
        expect(process.kill(bystander.pid!, 0)).toBe(true);
        expect(readdirSync(running)).toEqual([]);
      } finally {
        bystander.kill("SIGKILL");
      }
    },
  );

  it("`share --end` neither signals nor drops the record of a live process whose start time the record lacks", async () => {
    const env = throwawayEnv({ SHAREROOM_URL: recorder.origin });
    const path = join(env.HOME!, "unknown.jsonl");
    copyFileSync(pathOf(SESSIONS[0]!), path);
    const bystander = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      const running = join(env.XDG_CONFIG_HOME!, "shareroom", "running");
      mkdirSync(running, { recursive: true });
      const record = `${JSON.stringify({ pid: bystander.pid, start: "" })}\n`;
      writeFileSync(join(running, "claude_unknown.pid"), record);
      const ended = await run(["share", "--session", path, "--agent", "claude", "--end"], env);
      expect(ended.code).toBe(0);
      expect(ended.stderr).toContain(`process ${bystander.pid} may be this session's follower`);
      expect(process.kill(bystander.pid!, 0)).toBe(true);
      expect(readFileSync(join(running, "claude_unknown.pid"), "utf8")).toBe(record);
    } finally {
      bystander.kill("SIGKILL");
    }
  });

  it("redacts secrets in the transcript with the server's rules before they leave the machine", async () => {
    const env = throwawayEnv();
    const project = join(env.HOME!, ".claude", "projects", "-work");
    mkdirSync(project, { recursive: true });
    const path = join(project, "secret-session.jsonl");
    const token = `ghp_${"a1B2c3D4e5F6g7H8i9J0".repeat(2).slice(0, 36)}`;
    const row = {
      type: "user",
      uuid: "u1",
      timestamp: "2026-12-01T10:00:00.000Z",
      cwd: "/work",
      message: { role: "user", content: `use ${token} please` },
    };
    appendFileSync(path, `${JSON.stringify(row)}\n`);
    const dry = await run(["share", "--session", path, "--dry-run"], env);
    expect(dry.stdout).not.toContain(token);
    expect(dry.stdout).toContain("[redacted:");
    const shared = await run(["share", "--session", path, "--once", "--json", "--server", recorder.origin], env);
    const { id } = JSON.parse(shared.stdout.split("\n")[0]!);
    expect(sentText(id)).not.toContain(token);
    expect(sentText(id)).toContain("[redacted:");
  });
});
