/**
 * Bundles the CLI into dist/shareroom.mjs: plain JavaScript for Node ≥ 20, with @shareroom/shared (private, never
 * published) inside it; the package's own `dependencies` stay external and are installed by npm. The bundle is
 * written to a temporary file and renamed into place, so a test run (or `npm pack`) reading dist while another
 * build runs sees the old bundle or the new one, never half of one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/** Builds the bundle; resolves when dist/shareroom.mjs is written. */
export async function build() {
  const outfile = `${root}dist/shareroom.mjs`;
  const result = await esbuild({
    entryPoints: [`${root}src/main.ts`],
    outfile,
    write: false,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    external: Object.keys(pkg.dependencies ?? {}),
    define: { SHAREROOM_VERSION: JSON.stringify(pkg.version) },
    legalComments: "none",
    logLevel: "warning",
  });
  mkdirSync(`${root}dist`, { recursive: true });
  for (const file of result.outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
