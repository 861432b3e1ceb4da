/**
 * The contract's plain constants, in a module that imports no zod, so the page can use them without shipping all of
 * zod (`items.ts` and `api.ts` build classic zod schemas at module level, which no bundler can drop). Import them
 * from `@shareroom/shared/patterns` in the page; `@shareroom/shared` re-exports them for everyone else.
 */
import { MAX_ID_LENGTH } from "./limits.ts";

/** Share ids this server issues: 22 base64url characters (128 random bits); 16–64 accepted. */
export const SHARE_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * An id usable inside a merge key (message, part, session): 1–128 characters of `A–Z a–z 0–9 _ - . : ~`, and never
 * `.` or `..`, so no key can look like a path step. Real opencode ids are `prefix_` + 26 alphanumerics.
 */
export const ID_PATTERN = new RegExp(`^(?!\\.{1,2}$)[A-Za-z0-9_.:~-]{1,${MAX_ID_LENGTH}}$`);

/**
 * What replaces a secret found on ingest: `[redacted:<rule>]`, `<rule>` naming the secretlint rule that matched
 * (e.g. `openai`, `aws`, `privatekey`); group 1 is the rule. Global: use `matchAll`/`split`, or reset `lastIndex`.
 */
export const REDACTION_PATTERN = /\[redacted:([a-z0-9-]+)\]/g;

/** Builds the marker for a secret matched by `rule`. */
export function redactionMarker(rule: string): string {
  return `[redacted:${rule}]`;
}
