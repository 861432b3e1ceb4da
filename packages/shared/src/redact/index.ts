/**
 * Best-effort secret redaction for what agents share, the same in the API worker (workerd) and in Node ≥ 20 (a
 * client redacting before upload). Two maintained rule sets run on every text: secretlint's recommended preset and
 * gitleaks' rules file (see `secretlint.ts`, `gitleaks.ts`), plus one grammar rule, passwords in URLs
 * (`url-credentials.ts`). Patterns miss things — an unknown token format, a password without a telling name — so
 * this lowers the risk of publishing a credential; it does not remove it.
 *
 * Import it from `@shareroom/shared/redact` (not from `@shareroom/shared`: the page never ships the rules).
 */
import { redactionMarker } from "../patterns.ts";
import { gitleaksFindings } from "./gitleaks.ts";
import { secretlintFindings } from "./secretlint.ts";
import { findTriggers } from "./triggers.ts";
import type { Finding } from "./types.ts";
import { urlPasswordFindings } from "./url-credentials.ts";

/**
 * How much one call may find and scan. Past either limit the rules stop looking, and what they did not scan — the
 * rest of the item they stopped in and every item after it — is replaced by `[redacted:over-limit]`, so content
 * built to exhaust the scanner is lost rather than published.
 */
export interface RedactionBudget {
  /** Secrets found in one call; the rules stop at the first one past it. */
  maxFindings: number;
  /** Characters of string values scanned in one call (UTF-16 code units, which is bytes for ASCII text). */
  maxScannedBytes: number;
}

/**
 * The defaults: 10,000 secrets (no real session holds as many; a batch that does is an attack or a dump of keys) and
 * 16 MiB scanned (`MAX_ITEM_BYTES`, the largest item a share accepts), which bound the CPU time of one sync.
 */
export const DEFAULT_REDACTION_BUDGET: Readonly<RedactionBudget> = {
  maxFindings: 10_000,
  maxScannedBytes: 16 * 1024 * 1024,
};

/** The rule name of the marker that replaces what a call did not scan or stopped counting (past its budget). */
export const REDACTION_LIMIT_RULE = "over-limit";

/** What {@link redactItems} did. */
export interface RedactionReport {
  /**
   * The items, in order: the very object passed in when nothing in it changed, else a copy in which only the
   * objects and arrays on the way to a replaced string are new. The input is never modified.
   */
  items: unknown[];
  /** Secrets replaced, each counted once (also when it spans several strings). */
  redacted: number;
  /** Items redacted wholesale, from some point on, because the call's budget ran out. */
  capped: number;
}

/**
 * Values of these fields are neither scanned nor rewritten: they are ids and kinds that a share's merge keys and the
 * page's rendering depend on (validated as ids or enums before anything is stored), never free text.
 */
const STRUCTURAL_FIELDS = new Set([
  "id",
  "messageID",
  "sessionID",
  "parentID",
  "callID",
  "type",
  "role",
  "tool",
  "status",
]);

/** Between the strings of one item: no rule's secret spans a line break and a marker-worthy boundary alike. */
const STRING_SEPARATOR = "\n";
/** Between items: a blank line, so line-based rules never join two items. */
const ITEM_SEPARATOR = "\n\n";

/** Token characters: a finding that ends between two of them is cut short, and runs on to the token's end. */
const TOKEN_CHAR = /[A-Za-z0-9+/=_-]/;
/** How far a finding may be stretched to the end of its token (characters). */
const MAX_STRETCH = 512;

interface Slot {
  item: number;
  /** Offset of the string in the scanned text. */
  start: number;
  value: string;
}

interface Layout {
  text: string;
  slots: Slot[];
  /** Per item: the offset in `text` of its first string. */
  itemStarts: number[];
  /** Per item: the offset in `text` past its last string. */
  itemEnds: number[];
  /** The first item that was not (wholly) scanned, and the offset where scanning stopped. */
  cutItem: number;
  cutAt: number;
}

/** Strings of `value` in depth-first order (object values in key order), skipping structural fields. */
function collect(value: unknown, visit: (text: string) => void): void {
  if (typeof value === "string") visit(value);
  else if (Array.isArray(value)) for (const element of value) collect(element, visit);
  else if (value !== null && typeof value === "object") {
    for (const key of Object.keys(value)) {
      if (!STRUCTURAL_FIELDS.has(key)) collect((value as Record<string, unknown>)[key], visit);
    }
  }
}

/** Lays the items' strings out as one text, up to `maxScannedBytes`. */
function layout(items: readonly unknown[], maxScannedBytes: number): Layout {
  const parts: string[] = [];
  const slots: Slot[] = [];
  const itemStarts: number[] = [];
  const itemEnds: number[] = [];
  let offset = 0;
  let cutItem = items.length;
  let cutAt = Number.POSITIVE_INFINITY;
  for (let item = 0; item < items.length; item++) {
    if (item > 0 && cutItem === items.length) {
      parts.push(ITEM_SEPARATOR);
      offset += ITEM_SEPARATOR.length;
    }
    itemStarts.push(offset);
    let first = true;
    collect(items[item], (value) => {
      if (cutItem !== items.length) {
        slots.push({ item, start: offset, value });
        return;
      }
      if (!first) {
        parts.push(STRING_SEPARATOR);
        offset += STRING_SEPARATOR.length;
      }
      first = false;
      if (offset + value.length > maxScannedBytes) {
        cutItem = item;
        cutAt = offset;
        slots.push({ item, start: offset, value });
        return;
      }
      slots.push({ item, start: offset, value });
      parts.push(value);
      offset += value.length;
    });
    itemEnds.push(offset);
  }
  return { text: parts.join(""), slots, itemStarts, itemEnds, cutItem, cutAt };
}

/** Sorts findings, stretches each to the end of its token, and merges overlapping ones (the first one's rule wins). */
function normalize(findings: Finding[], text: string): Finding[] {
  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Finding[] = [];
  for (const finding of findings) {
    let end = finding.end;
    const limit = Math.min(text.length, end + MAX_STRETCH);
    if (end > finding.start && TOKEN_CHAR.test(text[end - 1] ?? "")) {
      while (end < limit && TOKEN_CHAR.test(text[end]!)) end++;
    }
    const last = merged[merged.length - 1];
    if (last && finding.start < last.end) last.end = Math.max(last.end, end);
    else merged.push({ start: finding.start, end, rule: finding.rule });
  }
  return merged;
}

/**
 * The spans of `text` secretlint must see: the items holding one of its trigger words (`after`: the offset past
 * each occurrence, ascending), neighbouring items as one span, as they lie in `text`.
 */
function triggeredSpans(after: readonly number[], layout: Layout, length: number): [number, number][] {
  const { itemStarts, itemEnds } = layout;
  const spans: [number, number][] = [];
  let item = 0;
  for (const offset of after) {
    if (offset > length) break;
    while (itemEnds[item]! < offset) item++;
    if (item >= itemEnds.length) break;
    const last = spans[spans.length - 1];
    const start = itemStarts[item]!;
    const end = Math.min(itemEnds[item]!, length);
    if (last && last[1] >= start - ITEM_SEPARATOR.length) last[1] = end;
    else spans.push([start, end]);
  }
  return spans;
}

/** Rule ids as the page's marker pattern accepts them (`[a-z0-9-]+`). */
function ruleName(rule: string): string {
  return rule.toLowerCase().replace(/[^a-z0-9-]+/g, "-") || "secret";
}

/** Rebuilds `value` with its strings (in {@link collect} order) taken from `next`; unchanged parts are shared. */
function rebuild(value: unknown, next: () => string | undefined): unknown {
  if (typeof value === "string") return next() ?? value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const element = rebuild(value[index], next);
      if (element === value[index]) continue;
      copy ??= value.slice();
      copy[index] = element;
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    let changed = false;
    const entries = Object.keys(record).map((key): [string, unknown] => {
      if (STRUCTURAL_FIELDS.has(key)) return [key, record[key]];
      const element = rebuild(record[key], next);
      if (element !== record[key]) changed = true;
      return [key, element];
    });
    // fromEntries defines properties, so an own `__proto__` key stays a key.
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}

/**
 * Redacts secrets in `items` (any JSON values: sync items, tool outputs…), each scanned as a whole: the string values
 * of one item (not its object keys, nor its {@link STRUCTURAL_FIELDS}) are joined by line breaks and scanned as one
 * text, so a secret split across neighbouring strings (a PEM key's BEGIN line in one, its body in the next) is found,
 * and strings of any length are scanned. Each secret is replaced whole by `[redacted:<rule>]` (`redactionMarker`),
 * in every string it touches; past the budget, the rest of the item is replaced by `[redacted:over-limit]`.
 * Linear in the size of the items: every output string is built in one pass. Never throws on content; does not
 * modify `items` (see {@link RedactionReport.items}).
 *
 * @example
 * const { items, redacted } = await redactItems([{ type: "part", data: { text: "key AKIA…" } }]);
 */
export async function redactItems(
  items: readonly unknown[],
  budget: Partial<RedactionBudget> = {},
): Promise<RedactionReport> {
  const { maxFindings, maxScannedBytes } = { ...DEFAULT_REDACTION_BUDGET, ...budget };
  const laid = layout(items, maxScannedBytes);
  const { slots, itemEnds } = laid;
  let { text, cutItem, cutAt } = laid;
  const raw: Finding[] = [];
  if (text.length > 0) {
    // Past too many secrets the rules stop looking, and what they did not scan is redacted wholesale.
    const stop = (scanned: number) => {
      if (scanned >= text.length) return;
      text = text.slice(0, scanned);
      cutItem = itemEnds.findIndex((end) => end > scanned);
      cutAt = scanned;
      let kept = 0;
      for (const finding of raw) if (finding.start < scanned) raw[kept++] = finding;
      raw.length = kept;
    };
    const triggers = findTriggers(text);
    stop(gitleaksFindings(text, triggers.gitleaks, triggers.starts, raw, maxFindings));
    urlPasswordFindings(text, raw);
    const spans = triggeredSpans(triggers.secretlint, laid, text.length);
    stop(await secretlintFindings(text, raw, maxFindings, spans, raw));
  }
  const findings = normalize(raw, text);

  // Where wholesale redaction starts in each capped item: at its first finding past the budget, or where scanning
  // stopped.
  const wholesaleFrom = new Map<number, number>();
  if (cutItem < items.length) wholesaleFrom.set(cutItem, cutAt);
  let redacted = 0;
  let kept = 0;
  let item = 0;
  for (const finding of findings) {
    while (item < itemEnds.length - 1 && finding.start >= itemEnds[item]!) item++;
    const from = wholesaleFrom.get(item);
    if (from !== undefined && finding.start >= from) continue;
    if (kept >= maxFindings) {
      wholesaleFrom.set(item, finding.start);
      continue;
    }
    findings[kept++] = finding;
    redacted++;
  }
  findings.length = kept;

  // Replacement strings by slot number; slots are numbered in collect order across the items.
  const replaced = new Map<number, string>();
  const changed = new Set<number>();
  const limitMarker = redactionMarker(REDACTION_LIMIT_RULE);
  let next = 0;
  for (let index = 0; index < slots.length; index++) {
    const slot = slots[index]!;
    const end = slot.start + slot.value.length;
    const wholesale = slot.item > cutItem ? 0 : wholesaleFrom.get(slot.item);
    while (next < findings.length && findings[next]!.end <= slot.start) next++;
    const found = next < findings.length && findings[next]!.start < end;
    const past = wholesale !== undefined && wholesale < end;
    if (!found && !past) continue;
    if (wholesale !== undefined && wholesale <= slot.start && past) {
      // All of this string lies past the budget.
      if (slot.value.length > 0) {
        replaced.set(index, limitMarker);
        changed.add(slot.item);
      }
      continue;
    }
    const pieces: string[] = [];
    let at = slot.start;
    for (let f = next; f < findings.length && findings[f]!.start < end; f++) {
      const finding = findings[f]!;
      if (wholesale !== undefined && finding.start >= wholesale) break;
      const from = Math.max(finding.start, slot.start);
      if (from > at) pieces.push(slot.value.slice(at - slot.start, from - slot.start));
      pieces.push(redactionMarker(ruleName(finding.rule)));
      at = Math.min(finding.end, end);
    }
    if (wholesale !== undefined && wholesale < end) {
      const from = Math.max(wholesale, at);
      if (from > at) pieces.push(slot.value.slice(at - slot.start, from - slot.start));
      if (from < end) pieces.push(limitMarker);
      at = end;
    }
    if (pieces.length === 0) continue;
    if (at < end) pieces.push(slot.value.slice(at - slot.start));
    replaced.set(index, pieces.join(""));
    changed.add(slot.item);
  }

  const firstSlot: number[] = [];
  for (let index = slots.length - 1; index >= 0; index--) firstSlot[slots[index]!.item] = index;
  const out = items.slice();
  for (const index of changed) {
    let cursor = firstSlot[index]!;
    out[index] = rebuild(items[index], () => replaced.get(cursor++));
  }
  return { items: out, redacted, capped: wholesaleFrom.size + Math.max(0, items.length - cutItem - 1) };
}

/** Redacts secrets in one text (see {@link redactItems}); returns the redacted text and how many were replaced. */
export async function redactText(
  text: string,
  budget: Partial<RedactionBudget> = {},
): Promise<{ text: string; redacted: number }> {
  const report = await redactItems([text], budget);
  return { text: report.items[0] as string, redacted: report.redacted };
}
