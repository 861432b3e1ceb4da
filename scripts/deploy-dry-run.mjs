/**
 * `npm run deploy:dry-run`: everything the deploy workflow does short of uploading, for every environment, with no
 * Cloudflare account: `wrangler deploy --dry-run` of the sessions worker, `vite build` of the page, then
 * `wrangler deploy --dry-run` of the built page, the environment chosen by `CLOUDFLARE_ENV` throughout, exactly as in
 * .github/workflows/deploy.yml. Prints the bundle sizes wrangler measures (the Workers limit applies to the gzip size: 3 MiB on the Free
 * plan, 10 MiB on Paid) and what a browser downloads; appends the table to `$GITHUB_STEP_SUMMARY` when set.
 *
 * Production is built last, so `packages/web/dist` ends as `npm run build` leaves it. `--markdown` prints only the
 * table; `--docs` rewrites the "Bundle sizes" section of docs/performance.md (between its two marker comments, so the
 * bench's own sections stay as they are), appending the section if it is missing. Exit code 1 if any step fails.
 */
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { experimental_readRawConfig, unstable_readConfig } from "wrangler";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SESSIONS = join(ROOT, "packages/sessions");
const WEB = join(ROOT, "packages/web");
const markdownOnly = process.argv.includes("--markdown");
const log = (text) => (markdownOnly ? process.stderr.write(`${text}\n`) : console.log(text));

const temp = mkdtempSync(join(tmpdir(), "shareroom-dry-run-"));
const env = {
  ...process.env,
  // Run on the repository's Node 22 even when started outside `npm run`.
  PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

/** Runs a command, echoing its output; throws with the command line if it fails. */
function run(command, args, cwd, extraEnv = {}) {
  log(
    `\n$ ${Object.entries(extraEnv)
      .map(([key, value]) => `${key}=${value} `)
      .join("")}${command} ${args.join(" ")}`,
  );
  const result = spawnSync(command, args, { cwd, env: { ...env, ...extraEnv }, encoding: "utf8" });
  log(`${result.stdout ?? ""}${result.stderr ?? ""}`.trimEnd());
  if (result.status !== 0) throw new Error(`failed (${result.status ?? result.signal}): ${command} ${args.join(" ")}`);
}

/**
 * `wrangler deploy --dry-run` in `cwd`, with `extraEnv` added to the environment; returns wrangler's own measurement of the upload, `{raw_bytes, gzip_bytes}`,
 * read from the `deploy` entry of its machine-readable output file. Throws unless wrangler would deploy the worker
 * named `expected`: a page built for the wrong environment would otherwise pass silently.
 */
function dryRun(cwd, name, extraEnv, expected) {
  const output = join(temp, `${name}.ndjson`);
  run("wrangler", ["deploy", "--dry-run", "--outdir", join(temp, name)], cwd, {
    ...extraEnv,
    WRANGLER_OUTPUT_FILE_PATH: output,
  });
  const deploy = readFileSync(output, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .find((entry) => entry.type === "deploy");
  if (!deploy?.bundle_size) throw new Error(`wrangler wrote no bundle size for ${name}`);
  if (deploy.worker_name !== expected)
    throw new Error(`${name}: wrangler would deploy "${deploy.worker_name}", not "${expected}"`);
  return { worker: deploy.worker_name, ...deploy.bundle_size };
}

/** Files under `dir` with their size and gzip size, skipping wrangler's `.assetsignore`. */
function files(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile() && !path.endsWith(".assetsignore"))
    .map((path) => {
      const bytes = readFileSync(path);
      return {
        path: relative(WEB, path).replace(/-[\w-]{8}(\.\w+)$/, "-[hash]$1"),
        raw: bytes.length,
        gzip: gzipSync(bytes, { level: 9 }).length,
      };
    });
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Table rows: each asset of 10 KiB or more, then the smaller ones (lazily loaded chunks, mostly) as one row. */
function assetRows(list) {
  const row = (name, group) =>
    `| ${name} | ${kib(group.reduce((sum, file) => sum + file.raw, 0))} | ${kib(group.reduce((sum, file) => sum + file.gzip, 0))} |`;
  const large = list.filter((file) => file.raw >= 10 * 1024).sort((a, b) => b.raw - a.raw);
  const small = list.filter((file) => file.raw < 10 * 1024);
  return [
    ...large.map((file) => row(`\`${file.path}\``, [file])),
    ...(small.length ? [row(`${small.length} smaller files`, small)] : []),
    row(`all ${list.length} files`, list),
  ];
}
const environments = Object.keys(
  experimental_readRawConfig({ config: join(WEB, "wrangler.jsonc") }).rawConfig.env ?? {},
);

const rows = [];
let assets = [];
try {
  // Named environments first, production last.
  for (const name of [...environments, "production"]) {
    const production = name === "production";
    const expected = (dir) =>
      unstable_readConfig({ config: join(dir, "wrangler.jsonc"), env: production ? undefined : name }).name;
    // CLOUDFLARE_ENV selects the wrangler environment, as in the deploy workflow ("" is the top level).
    const selected = { CLOUDFLARE_ENV: production ? "" : name };
    rows.push({ env: name, ...dryRun(SESSIONS, `sessions-${name}`, selected, expected(SESSIONS)) });
    run("npm", ["run", "build", "--silent", "-w", "@shareroom/web"], ROOT, selected);
    // The vite plugin wrote dist/shareroom_web/wrangler.json for this environment and pointed
    // .wrangler/deploy/config.json at it; wrangler deploys that (and would ignore --env).
    rows.push({ env: name, ...dryRun(WEB, `web-${name}`, selected, expected(WEB)) });
    if (production) assets = files(join(WEB, "dist/client"));
  }
} catch (error) {
  console.error(`\n${error.message}`);
  process.exit(1);
} finally {
  rmSync(temp, { recursive: true, force: true });
}

const table = [
  "| environment | worker | upload | gzip |",
  "| --- | --- | ---: | ---: |",
  ...rows.map((row) => `| ${row.env} | \`${row.worker}\` | ${kib(row.raw_bytes)} | ${kib(row.gzip_bytes)} |`),
  "",
  "| page asset (production build) | size | gzip |",
  "| --- | ---: | ---: |",
  ...assetRows(assets),
].join("\n");

if (markdownOnly) console.log(table);
else console.log(`\nBundle sizes (wrangler's measurement; the Workers limit applies to gzip):\n\n${table}`);
// biome-ignore lint/suspicious/noUndeclaredEnvVars: set by GitHub Actions; this script is not a turbo task.
const summary = process.env.GITHUB_STEP_SUMMARY;
if (summary) appendFileSync(summary, `## Bundle sizes\n\n${table}\n`);

if (process.argv.includes("--docs")) {
  const path = join(ROOT, "docs/performance.md");
  const start =
    "<!-- bundle-sizes:start — written by `npm run deploy:dry-run -- --docs`; edit the script, not this -->";
  const end = "<!-- bundle-sizes:end -->";
  const section = [
    start,
    "## Bundle sizes",
    "",
    `Measured on ${new Date().toISOString().slice(0, 10)} with wrangler ${readWranglerVersion()}.` +
      " Workers: what `wrangler deploy --dry-run` would upload, as wrangler measures it; the Workers size limit applies" +
      " to the gzip figure (3 MiB on the Free plan, 10 MiB on Paid). Page assets: the files of the production build," +
      " served from Workers static assets (not part of the worker upload), with gzip at level 9 as an estimate of the" +
      " transfer size. CI prints the same tables in every run's job summary.",
    "",
    table,
    end,
  ].join("\n");
  const current = existsSync(path) ? readFileSync(path, "utf8") : "# Performance\n";
  const at = current.indexOf("<!-- bundle-sizes:start");
  const stop = current.indexOf(end);
  const next =
    at !== -1 && stop > at
      ? `${current.slice(0, at)}${section}${current.slice(stop + end.length)}`
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
  // In the repository's markdown style (padded tables), so that `npm run lint` stays green.
  run("biome", ["format", "--write", relative(ROOT, path)], ROOT);
  log(`updated the "Bundle sizes" section of ${relative(ROOT, path)}`);
}

/** The wrangler version that measured the sizes, from its package.json. */
function readWranglerVersion() {
  return JSON.parse(readFileSync(join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version;
}
