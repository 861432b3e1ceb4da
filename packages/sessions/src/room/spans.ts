/**
 * Timing spans of the sync path, for the bench (bench/workers/sessions): off in the product — {@link mark} is one
 * null check — and switched on by the bench worker with {@link recordSpans}, which then reads the totals per span
 * name. Times are `performance.now()` milliseconds, which workerd advances during CPU work in local development.
 */

/** Total milliseconds and count per span name, since the last {@link takeSpans}. */
export type SpanTotals = Record<string, { ms: number; count: number }>;

let totals: SpanTotals | null = null;
let last = 0;

/** Starts recording spans in this isolate (the bench worker calls it once at load). */
export function recordSpans(): void {
  totals ??= {};
}

/** Starts a new run of spans: the next {@link mark} measures from here. */
export function startSpans(): void {
  if (totals) last = performance.now();
}

/** Ends the span `name`: the time since the previous mark (or {@link startSpans}) is added to its total. */
export function mark(name: string): void {
  if (!totals) return;
  const at = performance.now();
  const span = totals[name] ?? { ms: 0, count: 0 };
  totals[name] = span;
  span.ms += at - last;
  span.count++;
  last = at;
}

/** The totals recorded so far, and a fresh start. Empty when recording is off. */
export function takeSpans(): SpanTotals {
  const taken = totals ?? {};
  if (totals) totals = {};
  return taken;
}
