/**
 * The per-share sync budget: at most `SYNCS_PER_SHARE_PER_MINUTE` verified syncs of one share per clock minute,
 * counted by the share's room once the secret has verified, so a stranger cannot spend it however many wrong secrets
 * they send (those are counted by `SECRET_FAILURE_LIMITER` in the worker instead). What it protects is the share
 * against its own runaway client.
 *
 * The room is the single writer of its share and sees every one of its syncs, so it counts them itself, in memory:
 * exact where a `ratelimits` binding counts per location and approximately, and without a limiter round trip on
 * every sync's path (docs/performance.md, "Where the time goes"). A room that is evicted starts a fresh count, which
 * only a share idle long enough to be evicted gets, and an idle share is no runaway.
 */
import { positiveVar } from "./vars";

/** The window the budget counts in (ms): a clock minute, as the `ratelimits` bindings' `period` of 60 s. */
export const SYNC_BUDGET_WINDOW_MS = 60_000;

/** Syncs per share per window when `SYNCS_PER_SHARE_PER_MINUTE` is unset: the CLI sends about 60. */
export const DEFAULT_SYNCS_PER_MINUTE = 600;

/** One share's sync budget, held by its room. */
export class SyncBudget {
  private readonly limit: number;
  private window = -1;
  private used = 0;

  /** A budget of `env.SYNCS_PER_SHARE_PER_MINUTE` (else {@link DEFAULT_SYNCS_PER_MINUTE}) syncs a minute. */
  constructor(env: Env) {
    this.limit = positiveVar(env.SYNCS_PER_SHARE_PER_MINUTE, DEFAULT_SYNCS_PER_MINUTE);
  }

  /**
   * Whether a sync of share `shareId` made with `secret` (verified) fits the budget; charges it when it does.
   * `now` is Unix ms. Legacy secrets (`<share id>.<random>`, routes/legacy.ts) are not charged: the legacy CLI sends
   * one request per key, a whole session at once when sharing, and is bounded by the per-address `WRITE_LIMITER`.
   */
  charge(shareId: string, secret: string, now: number): boolean {
    if (secret.startsWith(`${shareId}.`)) return true;
    const window = Math.floor(now / SYNC_BUDGET_WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }
}
