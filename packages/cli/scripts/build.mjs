/**
 * Bundles the CLI into dist/shareroom.mjs: plain JavaScript for Node ≥ 20, with @shareroom/shared (private, never
 * published) inside it; the package's own `dependencies` stay external and are installed by npm.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** Builds the bundle; resolves when dist/shareroom.mjs is written. */
export async function build() {
  await esbuild({
    entryPoints: [`${root}src/main.ts`],
    outfile: `${root}dist/shareroom.mjs`,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: Object.keys(pkg.dependencies ?? {}),
    define: { SHAREROOM_VERSION: JSON.stringify(pkg.version) },
    legalComments: "none",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
