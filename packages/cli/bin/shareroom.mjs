#!/usr/bin/env node
// Runs the bundled CLI. In the repository the bundle is built on first use (and rebuilt when a source file is
// newer), so `npx shareroom` works right after `npm ci`; the published package ships dist/ built by `prepack`.
import { existsSync, readdirSync, statSync } from "node:fs";

const bundle = new URL("../dist/shareroom.mjs", import.meta.url);
const sources = new URL("../src/", import.meta.url);

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(sources);
  return newest;
}

if (existsSync(sources) && (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource())) {
  const { build } = await import("../scripts/build.mjs");
  await build();
}
await import(bundle.href);
