/**
 * Secret redaction markers: the server replaces each secret it finds on ingest with `[redacted:<rule>]`
 * (`REDACTION_PATTERN` in `@shareroom/shared`). The page shows each one as a badge — built from text nodes, never
 * from HTML — so a reader sees at a glance that something was removed, and what kind of secret it was.
 */
import { REDACTION_PATTERN } from "@shareroom/shared/patterns";

/** A piece of text: plain, or one redaction marker with the rule that matched. */
type Segment = { text: string; rule?: undefined } | { text: string; rule: string };

/** Splits `text` at redaction markers. Text without markers comes back as one plain segment (cheap check first). */
export function splitRedactions(text: string): Segment[] {
  if (!text.includes("[redacted:")) return [{ text }];
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(new RegExp(REDACTION_PATTERN.source, "g"))) {
    if (match.index > last) segments.push({ text: text.slice(last, match.index) });
    segments.push({ text: match[0], rule: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

/** How many redaction markers the strings of `value` (an item, any JSON value) hold. */
export function countRedactions(value: unknown): number {
  if (typeof value === "string") {
    if (!value.includes("[redacted:")) return 0;
    return value.match(new RegExp(REDACTION_PATTERN.source, "g"))?.length ?? 0;
  }
  let count = 0;
  if (Array.isArray(value)) for (const element of value) count += countRedactions(element);
  else if (value !== null && typeof value === "object")
    for (const element of Object.values(value)) count += countRedactions(element);
  return count;
}

/** True when `text` holds at least one redaction marker. */
export function hasRedaction(text: string): boolean {
  return text.includes("[redacted:") && new RegExp(REDACTION_PATTERN.source).test(text);
}

/** The badge element for one marker: its text is the marker itself, so copying the page copies the marker. */
function redactionBadge(marker: string, rule: string): HTMLElement {
  const badge = document.createElement("span");
  badge.className = "redacted";
  badge.title = `A secret (${rule}) was removed by the server before this was stored`;
  badge.textContent = marker;
  return badge;
}

/**
 * Replaces every marker in the text nodes under `root` with a {@link redactionBadge}, in place. A marker split
 * across several text nodes (by other markup) is left as text.
 */
export function markRedactions(root: Node): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const hits: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node as Text;
    if (text.data.includes("[redacted:") && !text.parentElement?.classList.contains("redacted")) hits.push(text);
  }
  for (const node of hits) {
    const segments = splitRedactions(node.data);
    if (segments.length === 1 && segments[0]!.rule === undefined) continue;
    const fragment = document.createDocumentFragment();
    for (const segment of segments) {
      fragment.append(segment.rule === undefined ? segment.text : redactionBadge(segment.text, segment.rule));
    }
    node.replaceWith(fragment);
  }
}
