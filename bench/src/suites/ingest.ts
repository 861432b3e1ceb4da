/**
 * Sync ingest: latency and throughput of `POST /api/share/:id/sync` for 10 KB, 100 KB and 5 MB batches, against the
 * floor in the same runtime (`POST /__bench/noop`, which reads the body and discards it), the same floor behind one
 * write-limiter call (`?limit=1`: the check every sync passes before its body is read), the same syncs into a
 * ShareRoom with redaction off (`x-bench-redact: false`), and the redaction step alone on the same batches
 * (`/__bench/redact`), for the redaction cost.
 *
 * - latency: one request at a time; the floors, product and product-without-redaction take turns on the same body
 *   (the order rotates every request), so all four see the same machine state. After each product sync the bench makes
 *   the room flush to R2 at once, outside the timing, so the flush its alarm would run a second later never lands
 *   inside another request's timing (the storage suite measures flushes; throughput below includes them);
 * - throughput: 4 requests in flight, each target on its own, fresh share.
 *
 * Every batch holds new parts (ids made unique per request), so every sync really stores something, plus the
 * `session`, `session_diff` and `model` the CLI re-sends.
 */
import type { Item } from "@shareroom/shared";
import { post, Sessions, type SpanTotals } from "../api.ts";
import { mean, now, percentile } from "../measure.ts";
import { addSpans, perSync, spansLine } from "../spans.ts";

export interface SizeClass {
  name: string;
  bytes: number;
  latencyRequests: number;
  throughputRequests: number;
  /** Distinct batches of this size the redaction measure redacts, and how many times each (after a warm-up pass). */
  redactBatches: number;
  redactRepeat: number;
}

export const SIZE_CLASSES: SizeClass[] = [
  { name: "10 KB", bytes: 10_000, latencyRequests: 150, throughputRequests: 200, redactBatches: 40, redactRepeat: 25 },
  { name: "100 KB", bytes: 100_000, latencyRequests: 60, throughputRequests: 80, redactBatches: 20, redactRepeat: 15 },
  { name: "5 MB", bytes: 5_000_000, latencyRequests: 12, throughputRequests: 8, redactBatches: 3, redactRepeat: 4 },
];

const WARMUP = 3;
const CONCURRENCY = 4;

export interface Latency {
  p50: number;
  p99: number;
  mean: number;
  samples: number;
}

export interface Throughput {
  requestsPerSecond: number;
  bytesPerSecond: number;
}

export interface IngestRun {
  size: SizeClass;
  bodyBytes: number;
  /**
   * Redaction's cost per sync (ms): the wall time of `redactEntries` (what the room runs on a sync's changed items)
   * on this size's batches, in the same workerd, timed over many repetitions in one request (`/__bench/redact`), so
   * neither the clock's millisecond steps nor the HTTP path's jitter move it.
   */
  redactionMs: number;
  /**
   * The same step inside the product's syncs (ms): the mean of the room's `redact` span over the latency syncs, less
   * its mean in the room with redaction off. The clock steps in whole milliseconds, so a 10 KB sync's span reads 0 or
   * 1; the mean over many syncs is what it says.
   */
  redactionSpanMs: number;
  /**
   * The same cost seen from the client (ms): the median, over the latency requests, of (product − product without
   * redaction) on the same body, sent back to back. Noisier: it is the difference of two ~10 ms latencies.
   */
  redactionLatencyMs: number;
  /** `gated`: the no-op floor behind one `WRITE_LIMITER` call (a diagnosis beside the floor the targets use). */
  latency: { floor: Latency; gated: Latency; ours: Latency; unredacted: Latency };
  /** Mean ms per sync of each span of the room's sync path (`room/spans.ts`), over the product's latency syncs. */
  spans: { name: string; ms: number }[];
  /** Without `gated`: the limiter's round trip is a latency diagnosis, not a throughput one. */
  throughput: { floor: Throughput; ours: Throughput; unredacted: Throughput };
}

type Target = "floor" | "gated" | "ours" | "unredacted";
const TARGETS: Target[] = ["floor", "gated", "ours", "unredacted"];
/** The targets that are floors: no share, no room. */
const isFloor = (target: Target): target is "floor" | "gated" => target === "floor" || target === "gated";

/**
 * Batches of about `bytes` bytes of JSON each, `count` of them, built from `pool` (final items of a generated
 * session) with ids made unique per batch.
 */
export function batchesOf(pool: Item[], session: Item, rest: Item[], bytes: number, count: number): Item[][] {
  const batches: Item[][] = [];
  let cursor = 0;
  for (let r = 0; r < count; r++) {
    const data = session.data as { time: { updated: number } };
    const batch: Item[] = [{ ...session, data: { ...data, time: { ...data.time, updated: data.time.updated + r } } }];
    batch.push(...rest);
    let size = JSON.stringify(batch).length;
    while (size < bytes) {
      const item = pool[cursor++ % pool.length]!;
      const fields = item.data as { id: string; messageID?: string };
      const copy = {
        ...item,
        data: {
          ...fields,
          id: `${fields.id}.r${r}`,
          ...(fields.messageID ? { messageID: `${fields.messageID}.r${r}` } : {}),
        },
      } as Item;
      batch.push(copy);
      size += JSON.stringify(copy).length + 1;
    }
    batches.push(batch);
  }
  return batches;
}

function latencyOf(values: number[]): Latency {
  return { p50: percentile(values, 50), p99: percentile(values, 99), mean: mean(values), samples: values.length };
}

export async function runIngest(
  sessions: Sessions,
  pool: Item[],
  fixed: { session: Item; rest: Item[] },
  log: (line: string) => void,
): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const size of SIZE_CLASSES) {
    const count = Math.max(size.latencyRequests + WARMUP, size.throughputRequests);
    const batches = batchesOf(pool, fixed.session, fixed.rest, size.bytes, count);
    const send = async (target: Target, share: { id: string; secret: string }, body: string, settle = false) => {
      const t = now();
      if (isFloor(target)) {
        const query = target === "gated" ? "?limit=1" : "";
        await (await post(`${sessions.origin}/__bench/noop${query}`, body)).arrayBuffer();
      } else await sessions.sync(share, body, target === "ours");
      const ms = now() - t;
      if (settle && !isFloor(target)) await sessions.flush(share.id, target === "ours");
      return ms;
    };

    const shares = {
      floor: { id: "noop", secret: "noop", url: "" },
      gated: { id: "noop", secret: "noop", url: "" },
      ours: await sessions.create(`ses_ingest_${size.bytes}`),
      unredacted: await sessions.create(`ses_ingest_${size.bytes}_u`, false),
    };
    const bodies = (share: { secret: string }, from: number, to: number) =>
      batches.slice(from, to).map((batch) => Sessions.syncBody(share, batch));
    const samples: Record<Target, number[]> = { floor: [], gated: [], ours: [], unredacted: [] };
    const spans: SpanTotals = {};
    const redactSpans: Record<"ours" | "unredacted", number[]> = { ours: [], unredacted: [] };
    const redactBatches = batches.slice(0, size.redactBatches);
    const redactRepeat = size.redactRepeat;
    const prepared = Object.fromEntries(
      TARGETS.map((target) => [target, bodies(shares[target], 0, size.latencyRequests + WARMUP)]),
    ) as Record<Target, string[]>;
    for (let r = 0; r < size.latencyRequests + WARMUP; r++) {
      for (let j = 0; j < TARGETS.length; j++) {
        const target = TARGETS[(r + j) % TARGETS.length]!;
        const ms = await send(target, shares[target], prepared[target][r]!, true);
        if (r >= WARMUP) samples[target].push(ms);
        if (!isFloor(target)) {
          const taken = await sessions.spans(shares[target].id, target === "ours");
          if (r >= WARMUP && target === "ours") addSpans(spans, taken);
          if (r >= WARMUP) redactSpans[target].push(taken.redact?.ms ?? 0);
        }
      }
    }
    const bodyBytes = mean(prepared.ours.map((body) => Buffer.byteLength(body)));
    const redaction = (await (
      await post(`${sessions.origin}/__bench/redact?repeat=${redactRepeat}`, JSON.stringify(redactBatches))
    ).json()) as { ms: number; runs: number };

    const throughput = {} as IngestRun["throughput"];
    for (const target of ["floor", "ours", "unredacted"] as const) {
      const share = isFloor(target)
        ? shares[target]
        : await sessions.create(`ses_ingest_${size.bytes}_t_${target}`, target === "ours");
      const queue = bodies(share, 0, size.throughputRequests);
      const total = queue.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
      const started = now();
      let cursor = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (cursor < queue.length) await send(target, share, queue[cursor++]!);
        }),
      );
      const seconds = (now() - started) / 1000;
      throughput[target] = { requestsPerSecond: queue.length / seconds, bytesPerSecond: total / seconds };
    }

    const run: IngestRun = {
      size,
      bodyBytes,
      redactionMs: redaction.ms / redaction.runs,
      redactionSpanMs: mean(redactSpans.ours) - mean(redactSpans.unredacted),
      redactionLatencyMs: percentile(
        samples.ours.map((ms, r) => ms - samples.unredacted[r]!),
        50,
      ),
      latency: {
        floor: latencyOf(samples.floor),
        gated: latencyOf(samples.gated),
        ours: latencyOf(samples.ours),
        unredacted: latencyOf(samples.unredacted),
      },
      spans: perSync(spans, samples.ours.length),
      throughput,
    };
    runs.push(run);
    log(
      `  ${size.name}: p50 ours ${run.latency.ours.p50.toFixed(1)} ms, unredacted ${run.latency.unredacted.p50.toFixed(1)} ms, ` +
        `floor ${run.latency.floor.p50.toFixed(1)} ms, floor + write limiter ${run.latency.gated.p50.toFixed(1)} ms; ${throughput.ours.requestsPerSecond.toFixed(1)} vs ` +
        `${throughput.floor.requestsPerSecond.toFixed(1)} req/s; redaction ${run.redactionMs.toFixed(2)} ms per batch, ` +
        `${run.redactionSpanMs.toFixed(2)} ms by the room's span, ${run.redactionLatencyMs.toFixed(2)} ms by latency`,
    );
    log(`    spans per sync: ${spansLine(run.spans)}`);
  }
  return runs;
}
