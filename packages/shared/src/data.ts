/**
 * Defensive readers of untyped JSON. Items are whatever an agent sent (only their key fields are checked on
 * ingest), so the page and the transcript readers read every other field through these and never assume a shape.
 * Zod-free, so the page and the CLI bundle them at no cost.
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
