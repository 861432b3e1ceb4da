/**
 * Markdown from the model or the user, rendered with `marked` (raw HTML kept as text) and sanitized with DOMPurify
 * (HTML profile only: no SVG, no MathML) into a DOM fragment. Upstream's page once had an XSS through its link renderer (opencode #17361),
 * so links and images pass an explicit scheme allowlist on top of DOMPurify's own checks.
 *
 * Images on other hosts are never loaded (that would tell a third party who reads the share, and the CSP forbids it
 * anyway): each becomes a link the reader may open in a new tab. Inline `data:image/…` images are shown.
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";
import { markRedactions } from "./redaction";

/** `text` with the five HTML metacharacters escaped. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// Raw HTML in the markdown (block or inline) is shown as the text it is, never parsed as markup: a model has no
// need to lay out this page, and hostile markup never even reaches the sanitizer's parser (where Chromium would
// report the blocked `on…` handlers of an inert document as CSP violations).
const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: { html: (token) => escapeHtml(token.text) },
});

/**
 * Schemes a link may use. Links without a scheme stay too, but are not all same-origin: `//host/x`, and `/\host`
 * or `\\host` (browsers read `\` as `/` in http URLs), lead to another site, so every link but an in-page
 * `#…` one is treated as external ({@link hardenLink}).
 */
const LINK_SCHEMES = new Set(["http:", "https:", "mailto:"]);

/** Inline images that are shown: raster or SVG `data:` URLs (an `<img>` runs no script). */
const INLINE_IMAGE = /^data:image\/(?:png|jpeg|gif|webp|avif|svg\+xml)[;,]/i;

/** Remote images, shown as links instead. */
const REMOTE_IMAGE = /^https?:\/\//i;

/** The scheme of `url` (`"https:"`), or `null` for a relative URL. Browsers ignore tabs and newlines in it. */
function schemeOf(url: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\u0000-\u0020]/g, ""));
  return match ? `${match[1]!.toLowerCase()}:` : null;
}

/**
 * True when `url` may be the `href` of a link on the page: http, https, mailto or without a scheme (which may still
 * lead to another site: the caller hardens it as external).
 */
export function isSafeLink(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme === null || LINK_SCHEMES.has(scheme);
}

/** True when `url` may be the `src` of an image on the page: an inline `data:image/…` URL, nothing remote. */
export function isSafeImage(url: string): boolean {
  return INLINE_IMAGE.test(url.trim());
}

/** Links open in a new tab, tell the target nothing about this page, and pass no ranking. */
function hardenLink(link: Element): void {
  link.setAttribute("rel", "noopener noreferrer nofollow");
  link.setAttribute("target", "_blank");
}

/** The only class kept: a fenced block's language on its `<code>`, which picks the highlighting grammar. */
const LANGUAGE_CLASS = /^language-[\w+#.-]{1,32}$/;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  const className = node.getAttribute("class");
  if (className !== null && !(node.tagName === "CODE" && LANGUAGE_CLASS.test(className))) {
    node.removeAttribute("class");
  }
  if (node.tagName === "A") {
    const href = node.getAttribute("href");
    if (href !== null && !isSafeLink(href)) node.removeAttribute("href");
    // Only an in-page fragment is known to stay here; a relative link may be protocol-relative (see LINK_SCHEMES).
    if (node.getAttribute("href")?.startsWith("#") === false) hardenLink(node);
  } else if (node.tagName === "IMG") {
    const src = node.getAttribute("src");
    // Remote images are swapped for links after sanitizing; anything else that is not inline goes. Without a
    // source the browser shows the alt text instead.
    if (src !== null && !isSafeImage(src) && !REMOTE_IMAGE.test(src.trim())) node.removeAttribute("src");
    node.setAttribute("loading", "lazy");
    node.setAttribute("referrerpolicy", "no-referrer");
  }
});

const PURIFY_CONFIG = {
  USE_PROFILES: { html: true },
  // Model output may show HTML as prose; it never needs forms, styles, frames or media players.
  FORBID_TAGS: [
    "style",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "iframe",
    "video",
    "audio",
    "source",
    "picture",
  ],
  FORBID_ATTR: ["style", "srcset", "id", "name"],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true as const,
};

/** Replaces each remote image with a link to it, labelled with its alt text and host: opened only on a click. */
function linkRemoteImages(root: DocumentFragment): void {
  for (const image of root.querySelectorAll("img")) {
    const src = image.getAttribute("src")?.trim();
    if (!src || !REMOTE_IMAGE.test(src)) continue;
    const link = document.createElement("a");
    link.href = src;
    hardenLink(link);
    link.className = "remote-image";
    let host = src;
    try {
      host = new URL(src).host;
    } catch {
      // Keep the whole source as the label.
    }
    link.textContent = `Image: ${image.getAttribute("alt")?.trim() || "untitled"} (${host})`;
    link.title = "Images on other sites are not loaded here; open it in a new tab";
    image.replaceWith(link);
  }
}

/** Rendered fragments by source text, so a row scrolled back into view is not parsed again. Bounded. */
const cache = new Map<string, DocumentFragment>();
const CACHE_ENTRIES = 300;

/**
 * Renders markdown `text` to a sanitized DOM fragment (a fresh copy on every call; insert it as it is). Redaction
 * markers become badges; remote images become links; a fenced block keeps its language as `class="language-…"` on
 * its `<code>` (the only class that survives). Never throws: unparsable input comes back as a paragraph of text.
 */
export function renderMarkdown(text: string): DocumentFragment {
  const cached = cache.get(text);
  if (cached) return cached.cloneNode(true) as DocumentFragment;
  let fragment: DocumentFragment;
  try {
    fragment = DOMPurify.sanitize(marked.parse(text, { async: false }), PURIFY_CONFIG);
  } catch {
    fragment = document.createDocumentFragment();
    const paragraph = document.createElement("p");
    paragraph.textContent = text;
    fragment.append(paragraph);
  }
  linkRemoteImages(fragment);
  markRedactions(fragment);
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(text, fragment);
  return fragment.cloneNode(true) as DocumentFragment;
}
