/**
 * The per-share sync budget: at most `SYNCS_PER_SHARE_PER_MINUTE` verified syncs of one share per clock minute,
 * counted by the share's room once the secret has verified, so a stranger cannot spend it however many wrong secrets
 * they send (those are counted by `SECRET_FAILURE_LIMITER` in the worker instead). What it protects is the share
 * against its own runaway client.
 *
 * The room is the single writer of its share and sees every one of its syncs, so it counts them itself: exact where a
 * `ratelimits` binding counts per location and approximately, and without a limiter round trip on every sync's path
 * (docs/performance.md, "Where the time goes"). The count is kept in the room's synchronous key-value storage beside
 * its rows, so neither hibernation, eviction nor a deploy starts a fresh one.
 */
import { RATE_LIMIT_RETRY_AFTER_SECONDS } from "../middleware/errors";
import { positiveVar } from "./vars";

/**
 * The window the budget counts in (ms): a clock minute, the `Retry-After` of its 429 (and the `ratelimits`
 * bindings' `period` of 60 s), so a refused client waits one full window.
 */
export const SYNC_BUDGET_WINDOW_MS = RATE_LIMIT_RETRY_AFTER_SECONDS * 1000;

/** Syncs per share per window when `SYNCS_PER_SHARE_PER_MINUTE` is unset: the CLI sends about 60. */
const DEFAULT_SYNCS_PER_MINUTE = 600;

/** The key of the count in the room's key-value storage: `{window, used}` (window = Unix ms ÷ the window). */
const BUDGET_KEY = "sync-budget";

interface Count {
  window: number;
  used: number;
}

/** One share's sync budget, held by its room. */
export class SyncBudget {
  private readonly limit: number;
  private count: Count | undefined;

  /**
   * A budget of `env.SYNCS_PER_SHARE_PER_MINUTE` (else {@link DEFAULT_SYNCS_PER_MINUTE}) syncs a minute, counted in
   * `kv` (the room's `ctx.storage.kv`; cleared with the share by `deleteAll`).
   */
  constructor(
    env: Env,
    private readonly kv: SyncKvStorage,
  ) {
    this.limit = positiveVar(env.SYNCS_PER_SHARE_PER_MINUTE, DEFAULT_SYNCS_PER_MINUTE);
  }

  /**
   * Whether one more verified sync fits this minute's budget; charges it when it does. `now` is Unix ms. Only the
   * current protocol's sync route is charged: legacy `/share_sync` (routes/legacy.ts) sends one key per request, a
   * whole session at once when sharing, and is bounded by the per-address `WRITE_LIMITER` instead.
   */
  charge(now: number): boolean {
    const window = Math.floor(now / SYNC_BUDGET_WINDOW_MS);
    this.count ??= this.kv.get<Count>(BUDGET_KEY) ?? { window, used: 0 };
    if (this.count.window !== window) this.count = { window, used: 0 };
    if (this.count.used >= this.limit) return false;
    this.count.used++;
    this.kv.put(BUDGET_KEY, this.count);
    return true;
  }

  /** Forgets the count held in memory (the share was deleted: its storage, the count included, is gone). */
  forget(): void {
    this.count = undefined;
  }
}
