import { execFile } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const exec = promisify(execFile);
const BUILD = fileURLToPath(new URL("../scripts/build.mjs", import.meta.url));
const BUNDLE = fileURLToPath(new URL("../dist/shareroom.mjs", import.meta.url));

it("replaces dist/shareroom.mjs by a rename, so a test reading it during a build never sees half a bundle", async () => {
  const before = statSync(BUNDLE);
  await exec(process.execPath, [BUILD]);
  const after = statSync(BUNDLE);
  // A file written in place keeps its inode; one renamed over it brings its own.
  expect(after.ino).not.toBe(before.ino);
  expect(after.size).toBeGreaterThan(10_000);
}, 60_000);
