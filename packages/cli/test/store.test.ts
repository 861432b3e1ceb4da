import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { claimFollower, followerFile, readFollower } from "../src/store.ts";

const exec = promisify(execFile);
const WRITER = fileURLToPath(new URL("./store-writer.ts", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "shareroom-store-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("the share store", () => {
  it("keeps every entry when several processes save shares into shares.json at once", async () => {
    const env = { ...process.env, XDG_CONFIG_HOME: home };
    const writers = ["a", "b", "c", "d", "e", "f"];
    await Promise.all(
      writers.map((prefix) =>
        exec(process.execPath, ["--experimental-strip-types", "--no-warnings", WRITER, prefix, "25"], { env }),
      ),
    );
    const path = join(home, "shareroom", "shares.json");
    const keys = Object.keys(JSON.parse(readFileSync(path, "utf8")).shares);
    expect(keys).toHaveLength(writers.length * 25);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // No lock or temporary file is left behind.
    expect(readdirSync(join(home, "shareroom")).sort()).toEqual(["shares.json"]);
  }, 60_000);

  it("writes a follower record whole and readable only by the user, even over a record of another mode", () => {
    const env = { XDG_CONFIG_HOME: join(home, "follower") };
    const path = followerFile("claude:s1", env);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, "4242\n");
    chmodSync(path, 0o644);
    claimFollower("claude:s1", env);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFollower("claude:s1", env)).toEqual({ pid: process.pid, start: expect.stringMatching(/^proc:\d+$/) });
    expect(readdirSync(join(path, ".."))).toEqual(["claude_s1.pid"]);
  });
});
