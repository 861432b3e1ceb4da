/** The worker's pure pieces: content negotiation and the security headers of every HTML response. */
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, prefersMarkdown, securityHeaders } from "../../src/worker/policy";

describe("content negotiation for /share/:id", () => {
  it("answers markdown to clients that prefer it, HTML to browsers", () => {
    expect(prefersMarkdown("text/markdown")).toBe(true);
    expect(prefersMarkdown("text/markdown, text/plain;q=0.9, */*;q=0.8")).toBe(true);
    expect(prefersMarkdown("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")).toBe(false);
    expect(prefersMarkdown("text/html;q=0.5, text/markdown")).toBe(true);
    expect(prefersMarkdown("text/markdown;q=0.4, text/html")).toBe(false);
    expect(prefersMarkdown("*/*")).toBe(false);
    expect(prefersMarkdown(null)).toBe(false);
  });
});

describe("security headers", () => {
  it("allow only this origin: no inline script, no remote image, no framing", () => {
    const csp = contentSecurityPolicy(new URL("https://share.example/share/x"), { dev: false });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("connect-src 'self' wss://share.example");
    expect(csp).toContain("frame-ancestors 'none'");
    const headers = securityHeaders(new URL("https://share.example/"));
    expect(headers["x-robots-tag"]).toBe("noindex, nofollow");
    expect(headers["referrer-policy"]).toBe("no-referrer");
  });
});
