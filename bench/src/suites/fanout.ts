/**
 * Live fan-out: the time from sending a sync to its arrival at each connected viewer, against the floor in the same
 * run — the bench worker's `BareRoom`, a Durable Object that only broadcasts, sent the very message the product
 * broadcast in the same round, to as many viewers. Rounds alternate product, floor, product, floor…; the viewers
 * live in separate processes (viewers.ts), and each latency is that process's arrival time minus the send time,
 * both on the shared clock with the measured offset removed.
 *
 * A third group, for diagnosis: the same bare room writing the message to one SQLite row before broadcasting, so
 * the runtime holds the sends until the write is durable, as it holds the product's (a change is never shown to a
 * viewer before it is stored). The gap between the two floors is the price of that guarantee alone. A fourth: that
 * durable floor behind one write-limiter call in the worker (`&limit=1`), the per-address check every sync passes
 * before anything else, so what is left above it is the product's own work.
 */
import type { Item } from "@shareroom/shared";
import { post, Sessions, type SpanTotals } from "../api.ts";
import { now, percentile } from "../measure.ts";
import { addSpans, perSync, spansLine } from "../spans.ts";
import type { ViewerPool } from "../viewers.ts";

export interface FanoutRun {
  viewers: number;
  rounds: number;
  /** Bytes of each broadcast message (the product's `changes` message; the floor sends the same text). */
  messageBytes: number;
  ours: { p50: number; p99: number; samples: number };
  floor: { p50: number; p99: number; samples: number };
  durableFloor: { p50: number; p99: number; samples: number };
  /** The durable floor behind one `WRITE_LIMITER` call (the bench worker's `?durable=1&limit=1`). */
  gatedFloor: { p50: number; p99: number; samples: number };
  /** Mean ms per sync of each span of the room's sync path (`room/spans.ts`), over the measured rounds. */
  spans: { name: string; ms: number }[];
}

const ROUNDS: Record<number, { warmup: number; measured: number }> = {
  1: { warmup: 5, measured: 100 },
  100: { warmup: 3, measured: 60 },
  1000: { warmup: 2, measured: 30 },
};

/** Batches the fan-out needs: one per round per viewer count, plus the share's first sync. */
export function fanoutBatchesNeeded(counts: number[]): number {
  return counts.reduce((sum, n) => sum + ROUNDS[n]!.warmup + ROUNDS[n]!.measured + 1, 0);
}

export async function runFanout(
  sessions: Sessions,
  pool: ViewerPool,
  counts: number[],
  batches: Item[][],
  log: (line: string) => void,
): Promise<FanoutRun[]> {
  const runs: FanoutRun[] = [];
  const ws = sessions.origin.replace(/^http/, "ws");
  let next = 0;
  for (const viewers of counts) {
    const { warmup, measured } = ROUNDS[viewers]!;
    const share = await sessions.create(`ses_fanout_${viewers}`);
    const first = await sessions.sync(share, Sessions.syncBody(share, batches[next++]!));
    await sessions.flush(share.id);
    const room = `fanout-${viewers}-${share.id}`;
    const durableRoom = `fanout-durable-${viewers}-${share.id}`;
    const gatedRoom = `fanout-gated-${viewers}-${share.id}`;
    const ours = `ours-${viewers}`;
    const floor = `floor-${viewers}`;
    const durable = `durable-${viewers}`;
    const gated = `gated-${viewers}`;
    await pool.open(ours, Array(viewers).fill(`${ws}/ws/${share.id}?since=${first.seq}`), "ready", true);
    await pool.open(floor, Array(viewers).fill(`${ws}/__bench/bare/${room}`), "open");
    await pool.open(durable, Array(viewers).fill(`${ws}/__bench/bare/${durableRoom}`), "open");
    await pool.open(gated, Array(viewers).fill(`${ws}/__bench/bare/${gatedRoom}`), "open");

    const sent = { ours: [] as number[], floor: [] as number[], durable: [] as number[], gated: [] as number[] };
    const spans: SpanTotals = {};
    for (let k = 1; k <= warmup + measured; k++) {
      const body = Sessions.syncBody(share, batches[next++]!);
      let t = now();
      await sessions.sync(share, body);
      await pool.round(ours, k);
      sent.ours.push(t);
      const taken = await sessions.spans(share.id);
      if (k > warmup) addSpans(spans, taken);
      const text = await pool.text(ours, k);
      t = now();
      await (await post(`${sessions.origin}/__bench/bare/${room}`, text)).arrayBuffer();
      await pool.round(floor, k);
      sent.floor.push(t);
      t = now();
      await (await post(`${sessions.origin}/__bench/bare/${durableRoom}?durable=1`, text)).arrayBuffer();
      await pool.round(durable, k);
      sent.durable.push(t);
      t = now();
      await (await post(`${sessions.origin}/__bench/bare/${gatedRoom}?durable=1&limit=1`, text)).arrayBuffer();
      await pool.round(gated, k);
      sent.gated.push(t);
    }
    const latencies = async (group: string, times: number[]) => {
      const { arrivals, bytes } = await pool.collect(group);
      const values: number[] = [];
      for (const list of arrivals) for (let k = warmup; k < times.length; k++) values.push(list[k]! - times[k]!);
      return { values, bytes };
    };
    const mine = await latencies(ours, sent.ours);
    const theirs = await latencies(floor, sent.floor);
    const stored = await latencies(durable, sent.durable);
    const limited = await latencies(gated, sent.gated);
    await pool.close(ours);
    await pool.close(floor);
    await pool.close(durable);
    await pool.close(gated);
    const messageBytes = mine.bytes.slice(warmup).reduce((sum, value) => sum + value, 0) / measured;
    const run: FanoutRun = {
      viewers,
      rounds: measured,
      messageBytes,
      ours: { p50: percentile(mine.values, 50), p99: percentile(mine.values, 99), samples: mine.values.length },
      floor: { p50: percentile(theirs.values, 50), p99: percentile(theirs.values, 99), samples: theirs.values.length },
      durableFloor: {
        p50: percentile(stored.values, 50),
        p99: percentile(stored.values, 99),
        samples: stored.values.length,
      },
      gatedFloor: {
        p50: percentile(limited.values, 50),
        p99: percentile(limited.values, 99),
        samples: limited.values.length,
      },
      spans: perSync(spans, measured),
    };
    runs.push(run);
    log(
      `  ${viewers} viewers: ours p50 ${run.ours.p50.toFixed(1)} ms p99 ${run.ours.p99.toFixed(1)} ms, ` +
        `floor p50 ${run.floor.p50.toFixed(1)} ms p99 ${run.floor.p99.toFixed(1)} ms, ` +
        `durable floor p50 ${run.durableFloor.p50.toFixed(1)} ms, + write limiter ${run.gatedFloor.p50.toFixed(1)} ms ` +
        `(${Math.round(messageBytes)} B)`,
    );
    log(`    spans per sync: ${spansLine(run.spans)}`);
  }
  return runs;
}
