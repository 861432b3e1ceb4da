/**
 * Markdown from the model or the user, rendered with `marked` and sanitized with DOMPurify before it reaches
 * `innerHTML`. Upstream's page once had an XSS through its link renderer (opencode #17361), so links and images
 * pass an explicit scheme allowlist on top of DOMPurify's own checks.
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: false, async: false });

/** Schemes a link may use. Relative links (no scheme) stay: they can only point into this origin. */
const LINK_SCHEMES = new Set(["http:", "https:", "mailto:"]);

/** Image sources that are shown: web images, and inline raster or SVG images (an `<img>` runs no script). */
const IMAGE_SOURCE = /^(?:https?:\/\/|data:image\/(?:png|jpeg|gif|webp|avif|svg\+xml)[;,])/i;

/** The scheme of `url` (`"https:"`), or `null` for a relative URL. Browsers ignore tabs and newlines in it. */
function schemeOf(url: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url.replace(/[\u0000-\u0020]/g, ""));
  return match ? `${match[1]!.toLowerCase()}:` : null;
}

/** True when `url` may be the `href` of a link on the page: http, https, mailto or relative. */
export function isSafeLink(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme === null || LINK_SCHEMES.has(scheme);
}

/** True when `url` may be the `src` of an image on the page: http(s), or a `data:image/…` URL. */
export function isSafeImage(url: string): boolean {
  return IMAGE_SOURCE.test(url.trim());
}

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href");
    if (href !== null && !isSafeLink(href)) node.removeAttribute("href");
    if (node.hasAttribute("href")) {
      node.setAttribute("rel", "noopener noreferrer nofollow");
      node.setAttribute("target", "_blank");
    }
  } else if (node.tagName === "IMG") {
    const src = node.getAttribute("src");
    // Without a source the browser shows the alt text instead.
    if (src !== null && !isSafeImage(src)) node.removeAttribute("src");
    node.setAttribute("loading", "lazy");
    node.setAttribute("referrerpolicy", "no-referrer");
  }
});

const PURIFY_CONFIG = {
  // Model output may show HTML as prose; it never needs forms, styles, frames or media players.
  FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "video", "audio", "source"],
  FORBID_ATTR: ["style", "srcset"],
  ALLOW_DATA_ATTR: false,
};

/** Renders markdown `text` to sanitized HTML. Never throws: unparsable input comes back as escaped text. */
export function renderMarkdown(text: string): string {
  let html: string;
  try {
    html = marked.parse(text, { async: false });
  } catch {
    const escaped = document.createElement("p");
    escaped.textContent = text;
    html = escaped.outerHTML;
  }
  return DOMPurify.sanitize(html, PURIFY_CONFIG);
}
