/**
 * Passwords in URLs (`scheme://user:password@host`, RFC 3986 §3.2.1: "Use of the format user:password in the userinfo
 * field is deprecated", https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1). Both rule sets look for these only
 * for some schemes and only when user and password look real (secretlint: users of 2 characters and passwords of 4 at
 * least), so `ftp://u:pw@h.io` or `redis://:pw@cache` pass; a password in a URL is a credential whatever its length,
 * and this one grammar rule finds it for any scheme.
 */
import type { Finding } from "./types.ts";

/** `://`, a user (may be empty), `:`, the password (up to the authority's last `@`), `@`, a host. */
const URL_PASSWORD = /:\/\/[^\s/?#@:]{0,256}:([^\s/?#]{1,256})@(?=[^\s/?#@])/dg;
/** The character before `://` must end a scheme (RFC 3986: `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`). */
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;

/** Adds to `out` the password of every URL in `text` that carries one, named `url-password`. */
export function urlPasswordFindings(text: string, out: Finding[]): void {
  if (!text.includes("://")) return;
  URL_PASSWORD.lastIndex = 0;
  for (let found = URL_PASSWORD.exec(text); found !== null; found = URL_PASSWORD.exec(text)) {
    const range = found.indices?.[1];
    if (!range || found.index === 0 || !SCHEME_CHAR.test(text[found.index - 1]!)) continue;
    out.push({ start: range[0], end: range[1], rule: "url-password" });
  }
}
