/** Reading the room's numeric wrangler vars (wrangler.jsonc `vars`, docs/deploy.md step 5). */

/** A positive integer from a wrangler var, or `fallback` when it is unset or not one. */
export function positiveVar(value: string | undefined, fallback: number): number {
  const number = Number(value);
  return Number.isSafeInteger(number) && number > 0 ? number : fallback;
}
