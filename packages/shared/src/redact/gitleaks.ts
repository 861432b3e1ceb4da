/**
 * gitleaks' rules (https://github.com/gitleaks/gitleaks, config/gitleaks.toml), run the way gitleaks runs them: a
 * rule's regex runs only when one of its keywords is in the text; the secret is the rule's `secretGroup`, else the
 * first capture group that matched, else the whole match; it must reach the rule's Shannon entropy; and a secret the
 * rule's or the file's allowlist matches is not a secret.
 */
import { GITLEAKS_ALLOWLIST, GITLEAKS_RULES } from "./gitleaks-rules.ts";
import type { Finding } from "./types.ts";

/** An allowlist of gitleaks' rules file, as data. */
export interface GitleaksAllowlist {
  /** What its regexes test: the secret, the whole match, or the line holding the match. */
  target: "secret" | "match" | "line";
  /** `condition = "AND"`: every kind of check it has must pass (else any one is enough). */
  all: boolean;
  /** JavaScript regex sources (no flags). */
  regexes: string[];
  /** Lowercase words: a secret holding one of them is allowed. */
  stopwords: string[];
}

/** One rule of gitleaks' rules file, as data. */
export interface GitleaksRule {
  id: string;
  /** JavaScript regex source (no flags). */
  regex: string;
  /** Lowercase: the rule runs only on text holding one of them. */
  keywords: string[];
  /** The least Shannon entropy (bits per character) the secret must have. */
  entropy?: number;
  /** The capture group holding the secret. */
  secretGroup?: number;
  allowlists?: GitleaksAllowlist[];
}

interface Compiled {
  rule: GitleaksRule;
  regex: RegExp;
  allowlists: { list: GitleaksAllowlist; regexes: RegExp[] }[];
}

let compiled: Compiled[] | undefined;
let globalRegexes: RegExp[] | undefined;

/** Compiled on first use, so importing the module costs nothing. */
function rules(): Compiled[] {
  compiled ??= GITLEAKS_RULES.map((rule) => ({
    rule,
    regex: new RegExp(rule.regex, "dg"),
    allowlists: (rule.allowlists ?? []).map((list) => ({
      list,
      regexes: list.regexes.map((source) => new RegExp(source)),
    })),
  }));
  return compiled;
}

/** Shannon entropy of `text` in bits per character, as gitleaks computes it. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

function allowed(
  list: GitleaksAllowlist,
  regexes: readonly RegExp[],
  secret: string,
  match: () => string,
  line: () => string,
): boolean {
  const checks: boolean[] = [];
  if (regexes.length > 0) {
    const target = list.target === "match" ? match() : list.target === "line" ? line() : secret;
    checks.push(regexes.some((regex) => regex.test(target)));
  }
  if (list.stopwords.length > 0) {
    const lower = secret.toLowerCase();
    checks.push(list.stopwords.some((word) => lower.includes(word)));
  }
  return checks.length > 0 && (list.all ? checks.every(Boolean) : checks.some(Boolean));
}

/**
 * Adds to `out` every secret gitleaks' rules find in `text` (`lower` is `text.toLowerCase()`, computed once by the
 * caller), each as the range of the secret itself (not of the keyword before it), named `rule`.
 */
export function gitleaksFindings(text: string, lower: string, out: Finding[]): void {
  globalRegexes ??= GITLEAKS_ALLOWLIST.regexes.map((source) => new RegExp(source));
  for (const { rule, regex, allowlists } of rules()) {
    if (rule.keywords.length > 0 && !rule.keywords.some((keyword) => lower.includes(keyword))) continue;
    regex.lastIndex = 0;
    for (let found = regex.exec(text); found !== null; found = regex.exec(text)) {
      if (found[0].length === 0) {
        regex.lastIndex++;
        continue;
      }
      let group = rule.secretGroup ?? 0;
      if (group === 0) for (let g = 1; g < found.length && group === 0; g++) if (found[g]) group = g;
      const secret = found[group];
      const range = found.indices?.[group];
      if (!secret || !range) continue;
      if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) continue;
      const at = found.index;
      const match = () => found[0];
      const line = () => {
        const from = text.lastIndexOf("\n", at) + 1;
        const to = text.indexOf("\n", at + found[0].length);
        return text.slice(from, to === -1 ? text.length : to);
      };
      if (allowed(GITLEAKS_ALLOWLIST, globalRegexes, secret, match, line)) continue;
      if (allowlists.some(({ list, regexes }) => allowed(list, regexes, secret, match, line))) continue;
      out.push({ start: range[0], end: range[1], rule: rule.id });
    }
  }
}
