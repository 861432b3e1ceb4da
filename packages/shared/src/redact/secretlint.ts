/**
 * secretlint's maintained recommended rule set (`@secretlint/secretlint-rule-preset-recommend`: AWS, GCP, GitHub,
 * OpenAI, Anthropic, Slack, Stripe, private keys, basic-auth URLs, database connection strings…), run on a text.
 */
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import type { Finding } from "./types.ts";

const RULE_PREFIX = "@secretlint/secretlint-rule-";
const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

/** Adds to `out` every secret secretlint finds in `text`, named by its rule without the package prefix (`aws`). */
export async function secretlintFindings(text: string, out: Finding[]): Promise<void> {
  const result = await lintSource({
    source: { filePath: "/share/items.txt", content: text, contentType: "text" },
    options: { config, noPhysicFilePath: true },
  });
  for (const message of result.messages) {
    out.push({ start: message.range[0], end: message.range[1], rule: message.ruleId.replace(RULE_PREFIX, "") });
  }
}
