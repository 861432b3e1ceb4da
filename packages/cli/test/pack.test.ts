import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const exec = promisify(execFile);
const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "shareroom-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("installs from its npm pack tarball into an empty folder, where `npx shareroom --help` runs", async () => {
  const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", work], { cwd: PACKAGE });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((file) => file.path);
  expect(files).toEqual(expect.arrayContaining(["bin/shareroom.mjs", "dist/shareroom.mjs", "package.json"]));
  expect(files.filter((file) => file.startsWith("src/") || file.startsWith("test/"))).toEqual([]);

  const app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), '{"name": "empty", "private": true}');
  // The CLI's dependencies come from npm's cache (filled by `npm ci`): tests never reach the network.
  await exec("npm", ["install", "--offline", "--no-audit", "--no-fund", join(work, packed!.filename)], { cwd: app });
  expect(readdirSync(join(app, "node_modules"))).toEqual(
    expect.arrayContaining(["shareroom", "commander", "picocolors"]),
  );
  expect(readdirSync(join(app, "node_modules"))).not.toContain("@shareroom");
  const help = await exec("npx", ["--no-install", "shareroom", "--help"], { cwd: app });
  expect(help.stdout).toContain("Usage: shareroom");
  expect(help.stdout).toContain("share [options]");
}, 180_000);
