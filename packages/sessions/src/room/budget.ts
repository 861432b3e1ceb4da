/**
 * The per-share sync budget (`SYNC_LIMITER`, keyed `share:<id>`), charged by the share's room once the secret has
 * verified: a stranger cannot spend it, however many wrong secrets they send (those are counted by
 * `SECRET_FAILURE_LIMITER` in the worker instead). What it protects is the share against its own runaway client.
 */

/**
 * Whether a sync of share `shareId` fits its budget; charges one unit. Call only after the secret verified.
 * Legacy secrets (`<share id>.<random>`, routes/legacy.ts) are not charged: the legacy CLI sends one request per key,
 * a whole session at once when sharing, and is bounded by the per-address `WRITE_LIMITER` alone.
 */
export async function chargeSyncBudget(env: Env, shareId: string, secret: string): Promise<boolean> {
  if (secret.startsWith(`${shareId}.`)) return true;
  const { success } = await env.SYNC_LIMITER.limit({ key: `share:${shareId}` });
  return success;
}
