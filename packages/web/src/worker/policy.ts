/**
 * The worker's rules that need no Workers API (so the tests and the component harness use them as they are): the
 * security headers of every HTML response, and content negotiation between the page and its markdown.
 */

/** True under `vite dev` (vite defines `import.meta.env` in the worker bundle; elsewhere it may be absent). */
const DEV = (import.meta as { env?: { DEV?: boolean } }).env?.DEV === true;

/**
 * The Content-Security-Policy of every page. Only this origin's scripts, styles, images and connections (the
 * WebSocket to `/ws` included); `data:` images for attachments the CLI inlines. No third-party request is possible,
 * so a prompt-injected payload can neither run nor phone home. During `vite dev` styles may also be inline: the dev
 * server injects CSS as `<style>` elements (the build links a stylesheet); `options.dev` overrides the detection.
 */
export function contentSecurityPolicy(url: URL, options: { dev?: boolean } = {}): string {
  const dev = options.dev ?? DEV;
  const socket = `${url.protocol === "https:" ? "wss:" : "ws:"}//${url.host}`;
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${dev ? " 'unsafe-inline'" : ""}`,
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${socket}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Headers of every HTML response: the CSP above, shares kept out of search engines (`X-Robots-Tag`), share URLs
 * kept out of `Referer` headers, no MIME sniffing, no framing, no powerful features.
 */
export function securityHeaders(url: URL): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(url),
    "x-robots-tag": "noindex, nofollow",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  };
}

/** The quality (`q`) the `Accept` header gives `type`, through its own entry, `major/*` or `*\/*`; 0 when absent. */
function quality(accept: string, type: string): number {
  const [major] = type.split("/");
  let best = -1;
  let specificity = -1;
  for (const range of accept.split(",")) {
    const [media = "", ...params] = range.trim().toLowerCase().split(";");
    const level = media === type ? 2 : media === `${major}/*` ? 1 : media === "*/*" ? 0 : -1;
    if (level < 0 || level < specificity) continue;
    const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    specificity = level;
    best = q === undefined ? 1 : Number(q) || 0;
  }
  return Math.max(best, 0);
}

/** True when an `Accept` header prefers markdown to HTML (agents send `text/markdown`; browsers `text/html`). */
export function prefersMarkdown(accept: string | null): boolean {
  if (!accept) return false;
  const markdown = quality(accept, "text/markdown");
  return markdown > 0 && markdown > quality(accept, "text/html");
}
