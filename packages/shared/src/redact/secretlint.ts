/**
 * secretlint's maintained recommended rule set (`@secretlint/secretlint-rule-preset-recommend`: AWS, GCP, GitHub,
 * OpenAI, Anthropic, Slack, Stripe, private keys, basic-auth URLs, database connection strings…), run on a text.
 */
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { Finding } from "./types.ts";

const RULE_PREFIX = "@secretlint/secretlint-rule-";
const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

/**
 * secretlint drops duplicate messages by comparing each with all that follow (quadratic in the messages of one
 * call), so a text is linted in chunks of at most this many characters, cut at line breaks.
 */
const CHUNK = 256 * 1024;

/** Where to cut `text` at or before `limit`: after its last blank line there, else its last line break. */
function cut(text: string, from: number, limit: number): number {
  if (limit >= text.length) return text.length;
  const blank = text.lastIndexOf("\n\n", limit);
  if (blank > from + CHUNK / 2) return blank + 2;
  const line = text.lastIndexOf("\n", limit);
  return line > from ? line + 1 : limit;
}

/**
 * Adds to `out` every secret secretlint finds in `text`, named by its rule without the package prefix (`aws`).
 * Callers blank out (with spaces, keeping offsets) what other rules found already, so a text dense with known
 * tokens costs secretlint no messages. Stops after the chunk in which `out` grows past `maxFindings`: returns the
 * offset up to which `text` was linted.
 */
export async function secretlintFindings(text: string, out: Finding[], maxFindings: number): Promise<number> {
  for (let from = 0; from < text.length; ) {
    if (out.length > maxFindings) return from;
    const to = cut(text, from, from + CHUNK);
    const result = await lintSource({
      source: { filePath: "/share/items.txt", content: text.slice(from, to), contentType: "text" },
      options: { config, noPhysicFilePath: true },
    });
    for (const message of result.messages) {
      out.push({
        start: from + message.range[0],
        end: from + message.range[1],
        rule: message.ruleId.replace(RULE_PREFIX, ""),
      });
    }
    from = to;
  }
  return text.length;
}
