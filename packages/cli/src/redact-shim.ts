/**
 * Stand-in for `@shareroom/shared/redact` until that module (the server's redaction rules, engineer `redact`) is on
 * this branch: same signature, redacts nothing. The build, typecheck and tests alias `@shareroom/shared/redact` to
 * this file (tsconfig.json `paths`, scripts/build.mjs, vitest.config.ts); remove the three aliases and this file
 * once `packages/shared` exports `./redact`.
 */

/** The outcome of redacting a batch of items. */
export interface RedactResult {
  items: unknown[];
  /** How many secrets were replaced. */
  redacted: number;
  /** Whether the scan budget ran out before every string was scanned. */
  capped: boolean;
}

/** Returns `items` unchanged (see the module comment). */
export async function redactItems(items: unknown[], _budget?: unknown): Promise<RedactResult> {
  return { items, redacted: 0, capped: false };
}
