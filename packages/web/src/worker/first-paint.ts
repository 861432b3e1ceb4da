/**
 * What the HTML of `/share/:id` says before any script runs, built from the share's head: the title, agent, model,
 * cost and size as visible text and as Open Graph / Twitter meta tags (link previews in chat apps read those).
 * Pure functions (no Workers API), so the tests use them as they are.
 */
import { num, rec, str } from "../lib/data";
import { formatBytes, formatCost } from "../lib/format";
import { newestFirst } from "../lib/segment-order";
import { agentLabel, agentOf, computeTotals, type Data, modelKeyOf, modelName, modelNamesOf } from "../lib/session";

/** The facts of a share shown in its first paint and its link preview. */
export interface PreviewFacts {
  title: string;
  /** `Claude Code 2.1.332`. */
  agent?: string;
  /** Display name of the model of the latest assistant message. */
  model?: string;
  /** USD; only when every message was in what was read (else a part of the cost would pass for all of it). */
  cost?: number;
  /** Approximate stored size of the share's changes (bytes): its segments plus the head. */
  bytes?: number;
}

/** The facts of a head's tail (`{key, seq, item}` entries; removals and blob references carry no facts). */
export function factsOfHead(head: Data, headBytes: number): PreviewFacts {
  const items = new Map<string, Data>();
  for (const entry of Array.isArray(head.tail) ? head.tail : []) {
    const key = str(rec(entry)?.key);
    const item = rec(rec(entry)?.item);
    if (key && item) items.set(key, item);
  }
  const data = (key: string) => rec(items.get(key)?.data);
  const session = data("session");
  const messages = [...items.keys()]
    .filter((key) => key.startsWith("message/"))
    .sort()
    .map((key) => data(key));
  const latest = [...messages].reverse().find((message) => message?.role === "assistant" && modelKeyOf(message));
  const names = modelNamesOf(items.get("model")?.data);
  const segments = Array.isArray(head.segments) ? head.segments : [];
  const whole = segments.length === 0;
  const totals = computeTotals(whole ? messages : [], session);
  const agent = agentOf(session);
  const modelKey = modelKeyOf(latest) ?? modelKeyOf(session);
  return {
    title: str(session?.title)?.trim() || "Shared session",
    agent: agent ? agentLabel(agent) : undefined,
    model: modelKey ? modelName(modelKey, names) : undefined,
    cost: whole || totals.cost > 0 ? totals.cost : undefined,
    bytes: segments.reduce((sum: number, segment) => sum + (num(rec(segment)?.bytes) ?? 0), headBytes),
  };
}

/**
 * The segment the page reads first ({@link newestFirst}) among a head's `segments`, if any: its name
 * (`segments/<lo>-<hi>.json`) and size (bytes, 0 when the head does not say). A name that is not a plain file under
 * `segments/` is passed over.
 */
export function newestSegment(segments: unknown): { name: string; bytes: number } | undefined {
  let newest: { name: string; lo: number; hi: number; bytes: number } | undefined;
  for (const value of Array.isArray(segments) ? segments : []) {
    const name = str(rec(value)?.name);
    const lo = num(rec(value)?.lo);
    const hi = num(rec(value)?.hi);
    if (!name || lo === undefined || hi === undefined || !/^segments\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(name))
      continue;
    const segment = { name, lo, hi, bytes: num(rec(value)?.bytes) ?? 0 };
    if (!newest || newestFirst(segment, newest) < 0) newest = segment;
  }
  return newest && { name: newest.name, bytes: newest.bytes };
}

/** `Claude Code 2.1.332 · claude-sonnet-4 · $0.42 · 1.2 MB`: the facts known, in that order. */
export function factsLine(facts: PreviewFacts): string {
  return [
    facts.agent,
    facts.model,
    facts.cost !== undefined ? formatCost(facts.cost) : undefined,
    facts.bytes ? formatBytes(facts.bytes) : undefined,
  ]
    .filter((fact): fact is string => !!fact)
    .join(" · ");
}

/** `text` safe inside HTML text and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The markup of a share's first paint: what goes into `<head>` and what opens `<body>`. */
export interface FirstPaint {
  title: string;
  head: string;
  body: string;
}

/**
 * The first paint of share `id` at `url` from its facts: the document title, the description and Open Graph /
 * Twitter tags (with `image`, an absolute URL of the preview image, when previews are on), and a header of the
 * title and facts that the page's script replaces once the share is loaded.
 */
export function firstPaint(facts: PreviewFacts, url: string, image?: string): FirstPaint {
  const line = factsLine(facts);
  const description = line ? `${line} — a shared coding-agent session` : "A shared coding-agent session";
  const tags: [string, string, string][] = [
    ["name", "description", description],
    ["property", "og:type", "article"],
    ["property", "og:site_name", "shareroom"],
    ["property", "og:title", facts.title],
    ["property", "og:description", description],
    ["property", "og:url", url],
    ["name", "twitter:card", image ? "summary_large_image" : "summary"],
    ["name", "twitter:title", facts.title],
    ["name", "twitter:description", description],
  ];
  if (image) {
    tags.push(
      ["property", "og:image", image],
      ["property", "og:image:type", "image/png"],
      ["property", "og:image:width", "1200"],
      ["property", "og:image:height", "630"],
      ["property", "og:image:alt", facts.title],
      ["name", "twitter:image", image],
    );
  }
  const head = tags
    .map(([attribute, name, content]) => `<meta ${attribute}="${name}" content="${escapeHtml(content)}">`)
    .join("");
  const body =
    `<header class="first-paint share-header" id="first-paint"><h1 class="share-title">${escapeHtml(facts.title)}</h1>` +
    (line ? `<p class="share-meta" data-testid="first-paint-facts">${escapeHtml(line)}</p>` : "") +
    "</header>";
  return { title: `${facts.title} · shareroom`, head, body };
}

/** Whether link-preview images are on: the operator's `SHARE_PREVIEWS` var, on unless it is `false`. */
export function previewsOn(vars: { SHARE_PREVIEWS?: unknown }): boolean {
  // wrangler types gives the var the literal type of its default; an operator sets it to any string.
  return String(vars.SHARE_PREVIEWS) !== "false";
}
