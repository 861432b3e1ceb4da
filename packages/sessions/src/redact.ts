/**
 * Best-effort secret redaction on ingest, on by default (`REDACT_SECRETS`), with secretlint's maintained
 * recommended rule set (`@secretlint/secretlint-rule-preset-recommend`: API keys of AWS, GCP, GitHub, OpenAI,
 * Anthropic, Slack, Stripe…, private keys, basic-auth URLs, database connection strings) rather than home-made
 * patterns. Patterns miss things: this lowers the risk of a leaked credential, it does not remove it.
 */
import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { redactionMarker } from "@shareroom/shared";

const RULE_PREFIX = "@secretlint/secretlint-rule-";
const config = { rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }] };

/** No rule of the preset matches fewer characters than this; shorter strings are not scanned. */
const MIN_SECRET_LENGTH = 16;

interface Slot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  value: string;
  start: number;
  findings: { start: number; end: number; rule: string }[];
}

/**
 * Redacts secrets in the string values of `values` (parsed JSON), in place, and returns how many it replaced.
 * Every string long enough to hold a secret is scanned in its raw form — one secretlint pass over all of them,
 * joined by newlines — and each finding is replaced by `[redacted:<rule>]`. A finding that runs past the end of its
 * string is cut there. Object keys are not scanned. Never throws on content.
 */
export async function redactSecrets(values: unknown[]): Promise<number> {
  const slots: Slot[] = [];
  let offset = 0;
  const visit = (holder: Record<string, unknown> | unknown[], key: string | number, value: unknown) => {
    if (typeof value === "string") {
      if (value.length < MIN_SECRET_LENGTH) return;
      slots.push({ holder, key, value, start: offset, findings: [] });
      offset += value.length + 1;
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) visit(value, index, value[index]);
    } else if (value && typeof value === "object") {
      for (const [name, element] of Object.entries(value)) visit(value as Record<string, unknown>, name, element);
    }
  };
  for (let index = 0; index < values.length; index++) visit(values, index, values[index]);
  if (slots.length === 0) return 0;

  const content = slots.map((slot) => slot.value).join("\n");
  const result = await lintSource({
    source: { filePath: "/share/batch.txt", content, contentType: "text" },
    options: { config, noPhysicFilePath: true },
  });
  if (result.messages.length === 0) return 0;

  for (const message of result.messages) {
    const [from, to] = message.range;
    let low = 0;
    let high = slots.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (slots[mid]!.start <= from) low = mid;
      else high = mid - 1;
    }
    const slot = slots[low]!;
    slot.findings.push({
      start: from - slot.start,
      end: Math.min(to, slot.start + slot.value.length) - slot.start,
      rule: message.ruleId.replace(RULE_PREFIX, ""),
    });
  }

  let count = 0;
  for (const slot of slots) {
    if (slot.findings.length === 0) continue;
    let text = slot.value;
    let lastStart = Number.POSITIVE_INFINITY;
    // Right to left, so earlier ranges keep their offsets; of overlapping findings the leftmost one wins.
    for (const finding of slot.findings.sort((a, b) => b.start - a.start)) {
      if (finding.end > lastStart) continue;
      text = text.slice(0, finding.start) + redactionMarker(finding.rule) + text.slice(finding.end);
      lastStart = finding.start;
      count++;
    }
    (slot.holder as Record<string | number, unknown>)[slot.key] = text;
  }
  return count;
}
