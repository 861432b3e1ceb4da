/**
 * secretlint's maintained recommended rule set (`@secretlint/secretlint-rule-preset-recommend`: AWS, GCP, GitHub,
 * OpenAI, Anthropic, Slack, Stripe, private keys, basic-auth URLs, database connection strings…), run on a text.
 */
import { lintSource } from "@secretlint/core";
import { secretLintProfiler } from "@secretlint/profiler";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { Finding } from "./types.ts";

// secretlint's core marks the start and end of every rule on every call in the runtime's performance timeline, which
// keeps them (Node never drops marks) and parses each one back: over half of a short lintSource call, and memory
// that grows for as long as the process lives. Nothing here reads the profile.
secretLintProfiler.setEnabled(false);

const RULE_PREFIX = "@secretlint/secretlint-rule-";
const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };
/** The path secretlint is told it lints: rules scoped to other files (`.npmrc`, `package.json`, `.p12`) stay off. */
const FILE_PATH = "/share/items.txt";

/**
 * Per rule of the preset (13.0.7, https://github.com/secretlint/secretlint/tree/master/packages/%40secretlint): words
 * of which every match of the rule's patterns, as the rule runs on {@link FILE_PATH}, holds at least one (lowercase;
 * texts are searched ignoring case, which only widens the search). secretlint runs only on items that hold one, so a
 * text without any costs it nothing; the test "every rule of secretlint's preset has its trigger words" fails when
 * the preset gains a rule that is not listed here.
 */
export const SECRETLINT_TRIGGERS: Readonly<Record<string, readonly string[]>> = {
  // `(?:SECRET|secret|Secret)_?(?:ACCESS|access|Access)_?(?:KEY|key|Key)…`; the id scans are off by default.
  aws: ["secret_access", "secretaccess"],
  // Reports only on files named `*.p12` or `*.json`.
  gcp: [],
  // `-----BEGIN[ ]?…PRIVATE KEY…-----`
  privatekey: ["-----begin"],
  // `npm_` tokens (the `_authToken=` and `x-oauth-basic` scans are for `.npmrc` and `package.json` only).
  npm: ["npm_"],
  // `(?:https?|ftp|ftps)://user:password@host`
  basicauth: ["http://", "https://", "ftp://", "ftps://"],
  // `(?:xoxb|xoxp|xapp|xoxa|xoxo|xoxr)-…` and `https://hooks.slack.com/services/…` (case-insensitive).
  slack: ["xoxb-", "xoxp-", "xapp-", "xoxa-", "xoxo-", "xoxr-", "hooks.slack.com/services/"],
  sendgrid: ["sg."],
  shopify: ["shppa_", "shpca_", "shpat_", "shpss_"],
  stripe: ["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
  github: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
  gitlab: ["glpat-"],
  grafana: ["glc_", "glsa_"],
  // Both of its patterns hold `T3BlbkFJ`.
  openai: ["t3blbkfj"],
  anthropic: ["sk-ant-api0"],
  groq: ["gsk_"],
  huggingface: ["hf_"],
  linear: ["lin_api_"],
  notion: ["ntn_"],
  "1password": ["ops_ey"],
  // `mongodb(?:\+srv)?://`, `(?:jdbc:)?mysql(?:x)?://`, `postgres(?:ql)?://` (case-insensitive).
  "database-connection-string": [
    "mongodb://",
    "mongodb+srv://",
    "mysql://",
    "mysqlx://",
    "postgres://",
    "postgresql://",
  ],
  "hashicorp-vault": ["hvs.", "hvb.", "hvr."],
  vercel: ["vcp_", "vci_", "vca_", "vcr_", "vck_"],
  databricks: ["dapi"],
  docker: ["dckr_pat_"],
  figma: ["figd_"],
  cloudflare: ["cfk_", "cfut_", "cfat_"],
  tailscale: ["tskey-"],
  // Reports nothing; its `secretlint-disable…` comments silence the others, so they must reach it as before.
  "filter-comments": ["secretlint-disable", "secretlint-enable"],
};

/** Every trigger word of {@link SECRETLINT_TRIGGERS}, once. */
export const SECRETLINT_TRIGGER_WORDS: readonly string[] = [...new Set(Object.values(SECRETLINT_TRIGGERS).flat())];

/**
 * basicauth's pattern after its scheme (13.0.7: `(?<protocol>(?:https?|ftp|ftps)):\/\/(?<user>[-a-zA-Z0-9_]{1,256}):
 * (?<password>[-a-zA-Z0-9_]{1,256})@…`), as a sticky pattern tried just past the `://`.
 */
const BASIC_AUTH_CREDENTIALS = /[-a-zA-Z0-9_]{1,256}:[-a-zA-Z0-9_]{1,256}@/y;

/**
 * Trigger words that count only where this sticky pattern matches just past them: what the rule's own pattern needs
 * right after the word, so an occurrence it rejects is part of no match of that rule (and of no other rule's, as no
 * other rule has these words). basicauth's words are URL schemes: without it, every link (the share link in the
 * `session` item the CLI re-sends with each sync, every URL in a tool's output) made secretlint run on its item.
 */
export const SECRETLINT_TRIGGER_FOLLOWERS: Readonly<Record<string, RegExp>> = Object.fromEntries(
  SECRETLINT_TRIGGERS.basicauth!.map((word) => [word, BASIC_AUTH_CREDENTIALS]),
);

/**
 * secretlint drops duplicate messages by comparing each with all that follow (quadratic in the messages of one
 * call), so a text is linted in chunks of at most this many characters, cut at line breaks.
 */
const CHUNK = 256 * 1024;

/**
 * Between two ranges that were not adjacent: no pattern of the preset matches across a NUL between line breaks, so
 * no finding joins two ranges, and each range's edges look to the patterns as they do in the whole text (a range
 * starts and ends at an item's edge, next to a blank line).
 */
const JOINT = "\n\n\u0000\n\n";

/** Where to cut `text` at or before `limit`: after its last blank line there, else its last line break. */
function cut(text: string, from: number, limit: number): number {
  if (limit >= text.length) return text.length;
  const blank = text.lastIndexOf("\n\n", limit);
  if (blank > from + CHUNK / 2) return blank + 2;
  const line = text.lastIndexOf("\n", limit);
  return line > from ? line + 1 : limit;
}

/**
 * The ranges of `text` laid end to end, {@link JOINT} between two that are not adjacent, each finding of `blank` as
 * spaces; `starts[r]` is where range `r` begins in the result.
 */
function gather(
  text: string,
  ranges: readonly (readonly [number, number])[],
  blank: readonly Finding[],
): { linted: string; starts: number[] } {
  const spans = blank.map(({ start, end }) => [start, end] as const).sort((a, b) => a[0] - b[0]);
  const pieces: string[] = [];
  const starts: number[] = [];
  let length = 0;
  let next = 0;
  let previousEnd = -1;
  for (const [start, end] of ranges) {
    if (starts.length > 0 && start !== previousEnd) {
      pieces.push(JOINT);
      length += JOINT.length;
    }
    starts.push(length);
    previousEnd = end;
    while (next < spans.length && spans[next]![1] <= start) next++;
    let at = start;
    for (let s = next; s < spans.length && spans[s]![0] < end; s++) {
      const blankFrom = Math.max(spans[s]![0], at);
      const blankTo = Math.min(spans[s]![1], end);
      if (blankTo <= blankFrom) continue;
      pieces.push(text.slice(at, blankFrom), " ".repeat(blankTo - blankFrom));
      at = blankTo;
    }
    pieces.push(text.slice(at, end));
    length += end - start;
  }
  return { linted: pieces.join(""), starts };
}

/**
 * Adds to `out` every secret secretlint finds in `ranges` of `text` (sorted, disjoint `[start, end)` offsets; all
 * of it by default), named by its rule without the package prefix (`aws`), as offsets into `text`. What other rules
 * found already (`blank`) is blanked out first (with spaces, keeping offsets), so a text dense with known tokens
 * costs secretlint no messages. Stops after the chunk in which `out` grows past `maxFindings`: returns the offset
 * of `text` up to which it was linted (`text.length` when it did not stop).
 */
export async function secretlintFindings(
  text: string,
  out: Finding[],
  maxFindings: number,
  ranges: readonly (readonly [number, number])[] = [[0, text.length]],
  blank: readonly Finding[] = [],
): Promise<number> {
  if (ranges.length === 0) return text.length;
  const { linted, starts } = gather(text, ranges, blank);
  /** The range that holds offset `at` of `linted` (or the joint after it). */
  const rangeAt = (at: number): number => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= at) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  /** Offset `at` of `linted` as an offset of `text`, no further than the end of its range. */
  const back = (at: number, range = rangeAt(at)): number =>
    Math.min(ranges[range]![0] + (at - starts[range]!), ranges[range]![1]);
  for (let at = 0; at < linted.length; ) {
    if (out.length > maxFindings) return back(at);
    const until = cut(linted, at, at + CHUNK);
    const result = await lintSource({
      source: { filePath: FILE_PATH, content: linted.slice(at, until), contentType: "text" },
      options: { config, noPhysicFilePath: true },
    });
    for (const message of result.messages) {
      // No match spans a joint, so both ends lie in the range that holds the start.
      const range = rangeAt(at + message.range[0]);
      out.push({
        start: back(at + message.range[0], range),
        end: back(at + message.range[1], range),
        rule: message.ruleId.replace(RULE_PREFIX, ""),
      });
    }
    at = until;
  }
  return text.length;
}
