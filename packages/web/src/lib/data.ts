/**
 * Defensive readers for item data. Items are whatever the CLI sent (only their key fields are checked on ingest),
 * so the page reads every other field through these and never assumes a shape.
 */

/** `value` as a plain object, or `undefined`. */
export function rec(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `value` as a string, or `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `value` as a finite number, or `undefined`. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** `value` as an array, or `[]`. */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Compares ids as the CLI orders them: plain code-unit order (ids are time-ordered, `prefix_` + hex + base62). */
export function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `code` of an API error body (`{error: {code, message}}`), or `undefined` when the body has none. */
export async function errorCode(response: Response): Promise<string | undefined> {
  const body = rec(await response.json().catch(() => undefined));
  return str(rec(body?.error)?.code);
}
