import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const exec = promisify(execFile);
const REPO = fileURLToPath(new URL("../../../", import.meta.url));

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

/**
 * A lockfile for an app that depends on the packed CLI only: the CLI's dependencies and theirs, with the exact
 * versions, tarball URLs and integrity hashes of the repository's package-lock.json.
 */
function appLockfile(tarball: string) {
  const lock = JSON.parse(readFileSync(join(REPO, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const cli = lock.packages["packages/cli"]!;
  const packages: Record<string, LockEntry> = {
    "": { name: "empty", dependencies: { shareroom: `file:${tarball}` } },
    "node_modules/shareroom": {
      version: cli.version,
      resolved: `file:${tarball}`,
      dependencies: cli.dependencies,
      bin: cli.bin,
      engines: cli.engines,
    },
  };
  const pending = Object.keys(cli.dependencies ?? {});
  while (pending.length > 0) {
    const name = pending.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const entry = lock.packages[key];
    if (!entry) throw new Error(`${name} is not in the repository's lockfile at the top level`);
    const { dev: _dev, peer: _peer, devOptional: _devOptional, ...kept } = entry;
    packages[key] = kept;
    pending.push(...Object.keys(entry.dependencies ?? {}));
  }
  return { name: "empty", lockfileVersion: 3, requires: true, packages };
}
const PACKAGE = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "shareroom-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("installs from its npm pack tarball into an empty folder, where `npx shareroom --help` runs", async () => {
  // The test script built dist once before the tests; `prepack` would build it again while other test files run
  // the bundle.
  const { stdout } = await exec("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
    cwd: PACKAGE,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((file) => file.path);
  expect(files).toEqual(expect.arrayContaining(["bin/shareroom.mjs", "dist/shareroom.mjs", "package.json"]));
  expect(files.filter((file) => file.startsWith("src/") || file.startsWith("test/"))).toEqual([]);

  // The CLI's dependencies come from npm's cache, which `npm ci` fills from the repository's lockfile: the app gets a
  // lockfile of its own with those exact versions, so installing it needs no registry at all.
  const app = join(work, "app");
  mkdirSync(app);
  const dependencies = { shareroom: `file:../${packed!.filename}` };
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "empty", private: true, dependencies }));
  writeFileSync(join(app, "package-lock.json"), JSON.stringify(appLockfile(`../${packed!.filename}`)));
  await exec("npm", ["ci", "--offline", "--no-audit", "--no-fund"], { cwd: app });
  expect(readdirSync(join(app, "node_modules"))).toEqual(
    expect.arrayContaining(["shareroom", "commander", "picocolors"]),
  );
  expect(readdirSync(join(app, "node_modules"))).not.toContain("@shareroom");
  const help = await exec("npx", ["--no-install", "shareroom", "--help"], { cwd: app });
  expect(help.stdout).toContain("Usage: shareroom");
  expect(help.stdout).toContain("share [options]");
}, 180_000);
