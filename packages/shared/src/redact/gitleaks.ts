/**
 * gitleaks' rules (https://github.com/gitleaks/gitleaks, config/gitleaks.toml), run the way gitleaks runs them: a
 * rule's regex runs only when one of its keywords is in the text; the secret is the rule's `secretGroup`, else the
 * first capture group that matched, else the whole match; it must reach the rule's Shannon entropy; and a secret the
 * rule's or the file's allowlist matches is not a secret.
 */
import { GITLEAKS_ALLOWLIST, GITLEAKS_RULES } from "./gitleaks-rules.ts";
import { KeywordSet } from "./keywords.ts";
import { literalStarts } from "./starts.ts";
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
  /** The same regex, sticky: tried only where one of {@link GITLEAKS_STARTS}`[starts[i]]` occurs. */
  sticky: RegExp | undefined;
  starts: number[];
  /** The rule's regex began with `[\w.-]{0,50}?` (an identifier before its keyword), which was taken off. */
  prefixed: boolean;
  /** Indexes of its keywords in the keyword set. */
  keywords: number[];
  allowlists: CompiledAllowlist[];
}

interface CompiledAllowlist {
  list: GitleaksAllowlist;
  regexes: RegExp[];
  /** The stopwords as one automaton: generic-api-key has some 1,500 of them, checked on every candidate. */
  stopwords: KeywordSet | undefined;
}

interface Engine {
  rules: Compiled[];
  global: CompiledAllowlist;
}

/**
 * gitleaks' "keyword context" rules start with a lazy `[\w.-]{0,50}?` so the match shows the identifier before the
 * keyword; tried at every position, it makes such a rule some 8 times slower. It changes which text the match covers,
 * never which secret it finds, so it is taken off and the identifier is added back for the allowlists.
 */
const IDENTIFIER_PREFIX = /^(?:\[\\w\.-\]\{0,50\}\?(?:\(\?:)?)+/;
const IDENTIFIER_CHAR = /[\w.-]/;
const MAX_IDENTIFIER = 50;

/** The regex source a rule runs: its own, without the identifier prefix. */
function sourceOf(rule: GitleaksRule): { source: string; prefixed: boolean } {
  const prefix = IDENTIFIER_PREFIX.exec(rule.regex)?.[0];
  return prefix
    ? { source: prefix.replaceAll("[\\w.-]{0,50}?", "") + rule.regex.slice(prefix.length), prefixed: true }
    : { source: rule.regex, prefixed: false };
}

/** Every keyword of gitleaks' rules, once: the index of each is its place in `present` of {@link gitleaksFindings}. */
export const GITLEAKS_KEYWORDS: readonly string[] = [...new Set(GITLEAKS_RULES.flatMap((rule) => rule.keywords))];

/**
 * Per rule: the words every match of it begins with (`starts.ts`), when there are some and none is a single
 * character (which would leave little to skip); else undefined, and the rule is tried at every position.
 */
const RULE_STARTS: readonly (readonly string[] | undefined)[] = GITLEAKS_RULES.map((rule) => {
  const words = literalStarts(sourceOf(rule).source);
  return words?.every((word) => word.length >= 2) ? words : undefined;
});

/** Every start word of {@link RULE_STARTS}, once: the index of each is its place in `starts` of {@link gitleaksFindings}. */
export const GITLEAKS_STARTS: readonly string[] = [...new Set(RULE_STARTS.flatMap((words) => words ?? []))];

let engine: Engine | undefined;

/** Compiled on first use, so importing the module costs nothing. */
function compile(): Engine {
  const ids = new Map(GITLEAKS_KEYWORDS.map((keyword, index) => [keyword, index]));
  const startIds = new Map(GITLEAKS_STARTS.map((word, index) => [word, index]));
  const rules = GITLEAKS_RULES.map((rule, index): Compiled => {
    const { source, prefixed } = sourceOf(rule);
    const starts = RULE_STARTS[index];
    return {
      rule,
      regex: new RegExp(source, "dg"),
      sticky: starts ? new RegExp(source, "dy") : undefined,
      starts: starts?.map((word) => startIds.get(word)!) ?? [],
      prefixed,
      keywords: rule.keywords.map((keyword) => ids.get(keyword)!),
      allowlists: (rule.allowlists ?? []).map(compileAllowlist),
    };
  });
  return { rules, global: compileAllowlist(GITLEAKS_ALLOWLIST) };
}

function compileAllowlist(list: GitleaksAllowlist): CompiledAllowlist {
  return {
    list,
    regexes: list.regexes.map((pattern) => new RegExp(pattern)),
    stopwords: list.stopwords.length > 0 ? new KeywordSet(list.stopwords) : undefined,
  };
}

/**
 * The matches of `sticky` in a text, in order, as the same regex with the `g` flag finds them: tried only at the
 * offsets where one of its start words begins (`ids` into `starts`, each ascending), which are the only offsets a
 * match can begin at; past a match, the search resumes at its end, as `exec` does.
 */
function stickyMatches(
  sticky: RegExp,
  ids: readonly number[],
  starts: readonly (readonly number[])[],
): (text: string) => RegExpExecArray | null {
  const offsets =
    ids.length === 1 ? (starts[ids[0]!] ?? []) : ids.flatMap((id) => starts[id] ?? []).sort((a, b) => a - b);
  let next = 0;
  let floor = 0;
  return (text) => {
    while (next < offsets.length) {
      const offset = offsets[next++]!;
      if (offset >= text.length) break;
      if (offset < floor) continue;
      sticky.lastIndex = offset;
      const found = sticky.exec(text);
      if (found === null) continue;
      floor = offset + Math.max(1, found[0].length);
      return found;
    }
    return null;
  };
}

/** Counts per ASCII character, reused by {@link shannonEntropy} (which runs once per candidate secret). */
const counts = new Int32Array(128);

/** Shannon entropy of `text` in bits per character (per UTF-16 code unit), as gitleaks computes it. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const other = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) counts[code]!++;
    else other.set(code, (other.get(code) ?? 0) + 1);
  }
  let entropy = 0;
  const add = (count: number) => {
    const p = count / text.length;
    entropy -= p * Math.log2(p);
  };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128 && counts[code]! > 0) {
      add(counts[code]!);
      counts[code] = 0;
    }
  }
  for (const count of other.values()) add(count);
  return entropy;
}

function allowed(
  { list, regexes, stopwords }: CompiledAllowlist,
  secret: string,
  match: () => string,
  line: () => string,
): boolean {
  const checks: boolean[] = [];
  if (regexes.length > 0) {
    const target = list.target === "match" ? match() : list.target === "line" ? line() : secret;
    checks.push(regexes.some((regex) => regex.test(target)));
  }
  if (stopwords) checks.push(stopwords.has(secret.toLowerCase()));
  return checks.length > 0 && (list.all ? checks.every(Boolean) : checks.some(Boolean));
}

/**
 * Adds to `out` every secret gitleaks' rules find in `full`, each as the range of the secret itself (not of the
 * keyword before it), named `rule`. `present[k]` is 1 when {@link GITLEAKS_KEYWORDS}`[k]` occurs in `full`, ignoring
 * case (the caller finds them in one pass with other words, see `triggers.ts`). Once `out` holds more than
 * `maxFindings`, the rules stop looking past the secret that went over: returns the offset up to which `full` was
 * scanned by every rule (`full.length` when none went over), and leaves in `out` nothing beyond it.
 */
export function gitleaksFindings(
  full: string,
  present: Uint8Array,
  starts: readonly (readonly number[])[],
  out: Finding[],
  maxFindings: number,
): number {
  engine ??= compile();
  let text = full;
  for (const compiled of engine.rules) {
    const { rule, regex, prefixed, keywords, allowlists } = compiled;
    if (keywords.length > 0 && !keywords.some((id) => present[id] === 1)) continue;
    regex.lastIndex = 0;
    const next = compiled.sticky ? stickyMatches(compiled.sticky, compiled.starts, starts) : undefined;
    for (
      let found = next ? next(text) : regex.exec(text);
      found !== null;
      found = next ? next(text) : regex.exec(text)
    ) {
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
      let at = found.index;
      if (prefixed) {
        const stop = Math.max(0, at - MAX_IDENTIFIER);
        while (at > stop && IDENTIFIER_CHAR.test(text[at - 1]!)) at--;
      }
      const match = () => text.slice(at, found.index + found[0].length);
      const line = () => {
        const from = text.lastIndexOf("\n", at) + 1;
        const to = text.indexOf("\n", at + found[0].length);
        return text.slice(from, to === -1 ? text.length : to);
      };
      if (allowed(engine.global, secret, match, line)) continue;
      if (allowlists.some((list) => allowed(list, secret, match, line))) continue;
      out.push({ start: range[0], end: range[1], rule: rule.id });
      if (out.length > maxFindings) {
        text = text.slice(0, range[0]);
        break;
      }
    }
  }
  if (text.length < full.length) {
    let kept = 0;
    for (const finding of out) if (finding.start < text.length) out[kept++] = finding;
    out.length = kept;
  }
  return text.length;
}
