/**
 * The sync path's spans as the bench reports them: totals taken from the room after each timed sync
 * (`Sessions.spans`), summed over a suite's samples, and shown as milliseconds per sync in span order.
 */
import type { SpanTotals } from "./api.ts";
import { formatMs } from "./measure.ts";

/** Adds `from` into `into` (both totals per span name). */
export function addSpans(into: SpanTotals, from: SpanTotals): void {
  for (const [name, span] of Object.entries(from)) {
    const total = into[name] ?? { ms: 0, count: 0 };
    into[name] = total;
    total.ms += span.ms;
    total.count += span.count;
  }
}

/** Mean milliseconds per sync of each span over `syncs` syncs, in the order the spans first ran. */
export function perSync(totals: SpanTotals, syncs: number): { name: string; ms: number }[] {
  return Object.entries(totals).map(([name, span]) => ({ name, ms: span.ms / Math.max(1, syncs) }));
}

/** `read body 0.12 ms, parse body 0.40 ms, …` for the console. */
export function spansLine(spans: { name: string; ms: number }[]): string {
  return spans.map((span) => `${span.name} ${formatMs(span.ms)}`).join(", ");
}
