/**
 * Defensive readers for item data (the generic ones, `rec`/`str`/`num`/`arr`, from the contract's `data.ts`), and
 * the page's own: id order and API error codes.
 */

import { rec, str } from "@shareroom/shared/data";

export { arr, num, rec, str } from "@shareroom/shared/data";

/** Compares ids as the CLI orders them: plain code-unit order (ids are time-ordered, `prefix_` + hex + base62). */
export function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `code` of an API error body (`{error: {code, message}}`), or `undefined` when the body has none. */
export async function errorCode(response: Response): Promise<string | undefined> {
  const body = rec(await response.json().catch(() => undefined));
  return str(rec(body?.error)?.code);
}
