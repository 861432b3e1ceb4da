/**
 * Syntax highlighting with highlight.js, loaded on first use: the core when the first code block scrolls into view,
 * and each grammar on its own the first time a block of that language does (every grammar is its own chunk of the
 * build; nothing is fetched from elsewhere). highlight.js marks tokens with classes only (`hljs-keyword`), which the
 * stylesheet colours and the Content-Security-Policy allows; its output escapes the input text.
 */
import type { HLJSApi, LanguageFn } from "highlight.js";

type Loader = () => Promise<{ default: LanguageFn }>;

/** Grammars shipped with the page, by highlight.js name. */
const GRAMMARS: Record<string, Loader> = {
  bash: () => import("highlight.js/lib/languages/bash"),
  c: () => import("highlight.js/lib/languages/c"),
  cpp: () => import("highlight.js/lib/languages/cpp"),
  csharp: () => import("highlight.js/lib/languages/csharp"),
  css: () => import("highlight.js/lib/languages/css"),
  dart: () => import("highlight.js/lib/languages/dart"),
  diff: () => import("highlight.js/lib/languages/diff"),
  dockerfile: () => import("highlight.js/lib/languages/dockerfile"),
  elixir: () => import("highlight.js/lib/languages/elixir"),
  go: () => import("highlight.js/lib/languages/go"),
  graphql: () => import("highlight.js/lib/languages/graphql"),
  haskell: () => import("highlight.js/lib/languages/haskell"),
  ini: () => import("highlight.js/lib/languages/ini"),
  java: () => import("highlight.js/lib/languages/java"),
  javascript: () => import("highlight.js/lib/languages/javascript"),
  json: () => import("highlight.js/lib/languages/json"),
  kotlin: () => import("highlight.js/lib/languages/kotlin"),
  less: () => import("highlight.js/lib/languages/less"),
  lua: () => import("highlight.js/lib/languages/lua"),
  makefile: () => import("highlight.js/lib/languages/makefile"),
  markdown: () => import("highlight.js/lib/languages/markdown"),
  nix: () => import("highlight.js/lib/languages/nix"),
  perl: () => import("highlight.js/lib/languages/perl"),
  php: () => import("highlight.js/lib/languages/php"),
  powershell: () => import("highlight.js/lib/languages/powershell"),
  protobuf: () => import("highlight.js/lib/languages/protobuf"),
  python: () => import("highlight.js/lib/languages/python"),
  r: () => import("highlight.js/lib/languages/r"),
  ruby: () => import("highlight.js/lib/languages/ruby"),
  rust: () => import("highlight.js/lib/languages/rust"),
  scala: () => import("highlight.js/lib/languages/scala"),
  scss: () => import("highlight.js/lib/languages/scss"),
  sql: () => import("highlight.js/lib/languages/sql"),
  swift: () => import("highlight.js/lib/languages/swift"),
  typescript: () => import("highlight.js/lib/languages/typescript"),
  xml: () => import("highlight.js/lib/languages/xml"),
  yaml: () => import("highlight.js/lib/languages/yaml"),
};

/** Other names (markdown fence info strings, file extensions) of the grammars above. */
const ALIASES: Record<string, string> = {
  sh: "bash",
  shell: "bash",
  zsh: "bash",
  console: "bash",
  shellsession: "bash",
  h: "c",
  cc: "cpp",
  cxx: "cpp",
  hpp: "cpp",
  "c++": "cpp",
  cs: "csharp",
  patch: "diff",
  docker: "dockerfile",
  ex: "elixir",
  exs: "elixir",
  golang: "go",
  gql: "graphql",
  hs: "haskell",
  toml: "ini",
  cfg: "ini",
  conf: "ini",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsonc: "json",
  json5: "json",
  kt: "kotlin",
  kts: "kotlin",
  mk: "makefile",
  make: "makefile",
  md: "markdown",
  mdx: "markdown",
  pl: "perl",
  ps1: "powershell",
  proto: "protobuf",
  py: "python",
  rb: "ruby",
  rs: "rust",
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  html: "xml",
  htm: "xml",
  svg: "xml",
  vue: "xml",
  svelte: "xml",
  yml: "yaml",
};

/** Text longer than this (characters) is shown plain: highlighting it would block the page for too long. */
const MAX_HIGHLIGHT_CHARS = 100_000;

/** The highlight.js grammar for a fence info string or file extension, or `undefined`. */
export function grammarOf(language: string | undefined): string | undefined {
  const name = language?.trim().toLowerCase().split(/[\s{]/)[0];
  if (!name) return undefined;
  const resolved = Object.hasOwn(ALIASES, name) ? ALIASES[name]! : name;
  return Object.hasOwn(GRAMMARS, resolved) ? resolved : undefined;
}

let core: Promise<HLJSApi> | undefined;
let ready: HLJSApi | undefined;
const registering = new Map<string, Promise<void>>();
/** Highlighted HTML by grammar and text, so a row scrolled back into view is coloured at once. Bounded. */
const cache = new Map<string, string>();
const CACHE_ENTRIES = 400;

function loadCore(): Promise<HLJSApi> {
  core ??= import("highlight.js/lib/core").then((module) => {
    ready = module.default;
    return ready;
  });
  return core;
}

function register(hljs: HLJSApi, grammar: string): Promise<void> {
  let pending = registering.get(grammar);
  if (!pending) {
    pending = GRAMMARS[grammar]!().then((module) => hljs.registerLanguage(grammar, module.default));
    registering.set(grammar, pending);
  }
  return pending;
}

function remember(key: string, html: string): string {
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, html);
  return html;
}

/**
 * The highlighted HTML of `text` if it can be had without waiting (core and grammar loaded, or cached), else
 * `undefined`. Use it to colour a block on its first render and avoid a flash of plain text.
 */
export function highlightNow(text: string, grammar: string): string | undefined {
  const key = `${grammar}\u0000${text}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  if (!ready?.getLanguage(grammar) || text.length > MAX_HIGHLIGHT_CHARS) return undefined;
  return remember(key, ready.highlight(text, { language: grammar, ignoreIllegals: true }).value);
}

/**
 * Highlights `text` as `grammar` (see {@link grammarOf}), loading highlight.js and the grammar on first use.
 * Resolves to HTML made of `<span class="hljs-…">` and escaped text, or `undefined` when the text is too long or
 * loading failed (the caller keeps the plain text).
 */
export async function highlight(text: string, grammar: string): Promise<string | undefined> {
  if (text.length > MAX_HIGHLIGHT_CHARS || !Object.hasOwn(GRAMMARS, grammar)) return undefined;
  try {
    const hljs = await loadCore();
    await register(hljs, grammar);
    return highlightNow(text, grammar);
  } catch {
    return undefined;
  }
}

/**
 * Splits highlight.js HTML into one HTML string per source line, closing the spans open at each line break and
 * reopening them on the next line, so a token that spans lines (a block comment, a template string) keeps its
 * colour on every line. Relies on highlight.js output being only `<span class="…">`, `</span>` and escaped text.
 */
function splitHighlightedLines(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = "";
  const tag = /<span class="[^"]*">|<\/span>|\n/g;
  let last = 0;
  for (const match of html.matchAll(tag)) {
    current += html.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === "\n") {
      lines.push(current + "</span>".repeat(open.length));
      current = open.join("");
    } else if (match[0] === "</span>") {
      open.pop();
      current += match[0];
    } else {
      open.push(match[0]);
      current += match[0];
    }
  }
  lines.push(current + html.slice(last));
  return lines;
}

/**
 * `text` highlighted as one block and returned line by line (see {@link splitHighlightedLines}), if it can be had
 * without waiting; `undefined` otherwise. Lines carry their context (comments, strings) from the lines before.
 */
export function highlightLinesNow(text: string, grammar: string): string[] | undefined {
  const html = highlightNow(text, grammar);
  return html === undefined ? undefined : splitHighlightedLines(html);
}
