/**
 * Turns the suites' results into figures (each beside its same-run baseline and their ratio), the console table,
 * docs/performance.md and the SVG charts.
 */

import { formatBytes, formatCount, formatMs, formatRatio } from "./measure.ts";
import type { FanoutRun } from "./suites/fanout.ts";
import type { IngestRun } from "./suites/ingest.ts";
import type { MemoryRun } from "./suites/memory.ts";
import type { BundleSize, FirstScreenFigures, PageRun, ReaderFigures } from "./suites/page.ts";
import type { ReconnectResult } from "./suites/reconnect.ts";
import type { Checkpoint, StorageResult } from "./suites/storage.ts";
import { barChart, COLORS, lineChart } from "./svg.ts";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  os: string;
  node: string;
  wrangler: string;
  workerd: string;
  chromium: string;
  /** 1-minute load average at the start and the end of the run. */
  loadBefore: number;
  loadAfter: number;
}

export interface Results {
  startedAt: string;
  runtimeMs: number;
  machine: Machine;
  storage?: StorageResult;
  memory?: MemoryRun[];
  reconnect: { label: string; parts: number; result: ReconnectResult }[];
  ingest?: IngestRun[];
  fanout?: FanoutRun[];
  clockOffsets?: { offset: number; uncertainty: number }[];
  page?: { runs: PageRun[]; bundle: BundleSize[]; reader?: ReaderFigures; firstScreen?: FirstScreenFigures };
  errors: { suite: string; message: string }[];
}

/** One row of the results table: the product's figure beside its same-run baseline. */
export interface Figure {
  suite: string;
  measure: string;
  ours: string;
  baseline: string;
  /** What the baseline is. */
  against: string;
  /** shareroom ÷ baseline. */
  ratio: number | null;
  target?: string;
  met?: boolean;
  /** How far off a missed target is, and what would close it. */
  miss?: string;
}

const PAGE_VIEWPORT_TARGET_MS = { small: 1000, large: 5000 };
/** First readable content of a 200 MiB share: the first screen costs what it costs for a small share. */
const FIRST_SCREEN_TARGET_MS = 1500;
/** Find: first results this soon after the last keystroke (ms), and no main-thread task longer while typing (ms). */
const SEARCH_TARGET_MS = 100;
const TYPING_TASK_TARGET_MS = 50;
/** PageDown: the distance of the presses as a ratio of the static page's, within this of 1. */
const PAGE_DOWN_TOLERANCE = 0.02;
const FANOUT_TARGET = 1.25;
/** Viewer counts from which the p99 is held to {@link FANOUT_TARGET} too (at 1 viewer it is a single socket's noise). */
const FANOUT_P99_FROM_VIEWERS = 100;
/** Sync latency p50 ÷ the no-op POST floor, at most, per batch size (bytes); throughput ÷ floor, at least. */
const INGEST_LATENCY_TARGETS: Record<number, number> = { 10000: 2, 100000: 2, 5000000: 5 };
const INGEST_THROUGHPUT_TARGET = { bytes: 10_000, ratio: 0.5 };
/**
 * Redaction cost per MB of sync body (ms/MB) per batch size (bytes): the figures of the run issue 10 was measured
 * against, which redaction must stay within.
 */
const REDACTION_TARGETS_MS_PER_MB: Record<number, number> = { 10000: 28, 100000: 19, 5000000: 8 };
/**
 * What a page view reads at most, by the size tiers (docs/storage.md, "Compaction"): the head, one final segment
 * (4–8 MiB) per 4 MiB read, at most 7 small segments and at most 31 larger unfinished ones (each ≥ 128 KiB, < 4 MiB
 * in all).
 */
function maxReadsPerView(bytesRead: number): number {
  return 1 + Math.floor(bytesRead / (4 * 1024 * 1024)) + 7 + 31;
}
/** R2 bytes written over the replay, at most this multiple of the live bytes. */
const MAX_WRITE_AMPLIFICATION = 4;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** Powers of ten of bytes as chart ticks: `1e7` → `"10 MB"`. */
function decimalBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}

/** Bytes a storage path may hold at once, whatever the share's size. */
const MEMORY_TARGET_BYTES = 32 * 1024 * 1024;
/** "Flat with size": the largest share's peak at most this multiple of the smallest's. */
const MEMORY_FLAT_RATIO = 1.5;
/** R2 bytes behind the first screen of a share, at most, for shares up to 200 MiB. */
const FIRST_SCREEN_TARGET_BYTES = 2 * 1024 * 1024;

function memoryFigures(runs: MemoryRun[]): Figure[] {
  const figures: Figure[] = [];
  // The replay is shown, not checked: its resident set grows with the room's SQLite database, which holds the whole
  // share by design until the idle compaction (Durable Object storage, not isolate memory).
  const worst = (run: MemoryRun) =>
    run.operations
      .filter((operation) => !operation.name.startsWith("replay"))
      .reduce((top, operation) => (operation.heldBytes > top.heldBytes ? operation : top));
  for (const run of runs) {
    const top = worst(run);
    figures.push({
      suite: "memory",
      measure: `most the worker isolate held at once during each storage path (heap + ArrayBuffers, read after a GC every 100 ms; readings in brackets), ${run.label} (${formatBytes(run.liveBytes)} live, ${formatCount(run.parts)} parts); the workerd resident set's rise after it (an upper bound: garbage, SQLite, the local R2 store)`,
      ours: `${formatBytes(top.heldBytes)} (${top.name}); ${run.operations.map((operation) => `${operation.name} ${formatBytes(operation.heldBytes)} [${operation.samples}] / resident ${formatBytes(operation.residentBytes)}${operation.simulatorBytes === null || operation.simulatorBytes === undefined ? "" : ` (R2 store ${formatBytes(operation.simulatorBytes)})`}`).join(", ")}`,
      baseline: formatBytes(run.liveBytes),
      against: "the share's live bytes (what a path holding the whole share holds)",
      ratio: top.heldBytes / run.liveBytes,
      target: `≤ ${formatBytes(MEMORY_TARGET_BYTES)} on every path but the replay`,
      met: top.heldBytes <= MEMORY_TARGET_BYTES,
      miss: `${top.name} held ${formatBytes(top.heldBytes)}`,
    });
  }
  if (runs.length > 1) {
    const small = runs[0]!;
    const large = runs.at(-1)!;
    const growth = worst(large).heldBytes / Math.max(1, worst(small).heldBytes);
    figures.push({
      suite: "memory",
      measure: `growth of the storage paths' peak, ${small.label} → ${large.label}`,
      ours: `${growth.toFixed(2)}×`,
      baseline: `${(large.liveBytes / small.liveBytes).toFixed(1)}×`,
      against: "growth of the share",
      ratio: growth / (large.liveBytes / small.liveBytes),
      target: `flat: ≤ ${MEMORY_FLAT_RATIO}×`,
      met: growth <= MEMORY_FLAT_RATIO,
      miss: `${growth.toFixed(2)}×: some path holds more of a larger share`,
    });
  }
  for (const run of runs) {
    const screen = run.firstScreen;
    figures.push({
      suite: "memory",
      measure: `R2 bytes behind the first screen (header facts and latest turn: ${formatBytes(screen.shownBytes)} of items), ${run.label}, read as the page does (head, a large newest segment's newest entries, then segments newest first)`,
      ours: `${formatBytes(screen.bytes)} in ${screen.reads} reads of ${screen.segments + 1}${screen.complete ? "" : " (incomplete)"}`,
      baseline: formatBytes(run.liveBytes),
      against: "the whole share (a snapshot first paint)",
      ratio: screen.bytes / run.liveBytes,
      target: `≤ ${formatBytes(FIRST_SCREEN_TARGET_BYTES)}`,
      met: screen.complete && screen.bytes <= FIRST_SCREEN_TARGET_BYTES,
      miss: `${formatBytes(screen.bytes)}: the latest turn spans segments larger than the first screen needs`,
    });
  }
  return figures;
}

function storageFigures(storage: StorageResult): Figure[] {
  const figures: Figure[] = [];
  const cps = storage.checkpoints;
  const baselineOf = (cp: Checkpoint) =>
    cp.baseline
      ? { written: cp.baseline.r2BytesWritten, read: cp.baseline.r2BytesRead, measured: true }
      : { written: cp.model.r2BytesWritten, read: cp.model.r2BytesRead, measured: false };
  for (const cp of cps) {
    const base = baselineOf(cp);
    figures.push({
      suite: "storage",
      measure: `R2 bytes written, ${formatCount(cp.parts)} parts (${mb(cp.liveBytes)} live, ${formatCount(cp.batches)} syncs)`,
      ours: formatBytes(cp.ours.r2BytesWritten),
      baseline: `${formatBytes(base.written)}${base.measured ? "" : " (model)"}`,
      against: "snapshot rewrite",
      ratio: cp.ours.r2BytesWritten / base.written,
    });
  }
  const small = cps.find((cp) => cp.parts >= 2000) ?? cps[0]!;
  const large = cps.at(-1)!;
  const amplification = large.ours.r2BytesWritten / large.liveBytes;
  const segmentShare = large.oursSegmentBytes / large.ours.r2BytesWritten;
  figures.push({
    suite: "storage",
    measure: `R2 bytes written ÷ live bytes, ${formatCount(large.parts)} parts (head rewrites / segments / blobs)`,
    ours:
      `${amplification.toFixed(2)}× (${(large.oursHeadBytes / large.liveBytes).toFixed(2)} / ` +
      `${(large.oursSegmentBytes / large.liveBytes).toFixed(2)} / ` +
      `${((large.ours.r2BytesWritten - large.oursHeadBytes - large.oursSegmentBytes) / large.liveBytes).toFixed(2)})`,
    baseline: `${(baselineOf(large).written / large.liveBytes).toFixed(0)}×${baselineOf(large).measured ? "" : " (model)"}`,
    against: "snapshot rewrite",
    ratio: large.ours.r2BytesWritten / baselineOf(large).written,
    target: `≤ ${MAX_WRITE_AMPLIFICATION}× the live bytes`,
    met: amplification <= MAX_WRITE_AMPLIFICATION,
    miss:
      `${amplification.toFixed(2)}×, ${(100 * segmentShare).toFixed(0)} % of it segments: ` +
      "segment merges rewrite bytes more often than the size tiers allow",
  });
  if (small !== large) {
    const oursGrowth = large.ours.r2BytesWritten / small.ours.r2BytesWritten;
    const baseGrowth = baselineOf(large).written / baselineOf(small).written;
    const partsGrowth = large.parts / small.parts;
    const linearBound = partsGrowth * 1.5;
    figures.push({
      suite: "storage",
      measure: `growth of R2 bytes written, ${formatCount(small.parts)} → ${formatCount(large.parts)} parts (${partsGrowth.toFixed(1)}× longer)`,
      ours: `${oursGrowth.toFixed(1)}×`,
      baseline: `${baseGrowth.toFixed(1)}×${baselineOf(large).measured ? "" : " (model)"}`,
      against: "snapshot rewrite",
      ratio: oursGrowth / baseGrowth,
      target: `linear: ≤ ${linearBound.toFixed(0)}× (1.5 × the length ratio)`,
      met: oursGrowth <= linearBound,
      miss: `${(oursGrowth / partsGrowth).toFixed(2)}× the length ratio: bytes written grow faster than the session`,
    });
  }
  const bigBase = baselineOf(large);
  const baselinePuts = large.baseline ? large.baseline.r2Puts : large.batches + 1;
  figures.push({
    suite: "storage",
    measure: `R2 PUTs (class A), ${formatCount(large.parts)} parts`,
    ours: formatCount(large.ours.r2Puts),
    baseline: `${formatCount(baselinePuts)}${large.baseline ? "" : " (model)"}`,
    against: "snapshot rewrite",
    ratio: large.ours.r2Puts / baselinePuts,
  });
  const baselineGets = large.baseline ? large.baseline.r2Gets : large.batches;
  figures.push({
    suite: "storage",
    measure: `R2 GETs made by syncs, ${formatCount(large.parts)} parts`,
    ours: `${formatCount(large.ours.r2Gets)} (${formatBytes(large.ours.r2BytesRead)})`,
    baseline: `${formatCount(baselineGets)} (${formatBytes(bigBase.read)})${large.baseline ? "" : " (model)"}`,
    against: "snapshot rewrite",
    ratio: large.ours.r2BytesRead / bigBase.read,
  });
  const maxReads = Math.max(...cps.map((cp) => cp.oursView.reads));
  const over = cps.filter((cp) => cp.oursView.reads > maxReadsPerView(cp.oursView.bytes));
  figures.push({
    suite: "storage",
    measure: `R2 GETs per page view, at each of ${cps.length} lengths (${formatCount(cps[0]!.parts)}–${formatCount(large.parts)} parts)`,
    ours: `${Math.min(...cps.map((cp) => cp.oursView.reads))}–${maxReads}`,
    baseline: "1",
    against: "snapshot rewrite",
    ratio: maxReads,
    target: `≤ head + one per 4 MiB read + 38 unfinished segments at every length (${maxReadsPerView(large.oursView.bytes)} at ${formatCount(large.parts)} parts)`,
    met: over.length === 0,
    miss: `${over.map((cp) => `${cp.oursView.reads} reads at ${formatCount(cp.parts)} parts`).join(", ")}: more segments than the size tiers allow`,
  });
  const viewBase = large.baselineView?.bytes ?? large.model.snapshotBytes;
  figures.push({
    suite: "storage",
    measure: `bytes read per page view, ${formatCount(large.parts)} parts`,
    ours: formatBytes(large.oursView.bytes),
    baseline: `${formatBytes(viewBase)}${large.baselineView ? "" : " (model)"}`,
    against: "snapshot rewrite",
    ratio: large.oursView.bytes / viewBase,
  });
  figures.push({
    suite: "storage",
    measure: `Durable Object rows written, ${formatCount(large.parts)} parts`,
    ours: formatCount(large.ours.rowsWritten),
    baseline: formatCount(large.itemsSent),
    against: "items sent (a write per item, as the old per-key server)",
    ratio: large.ours.rowsWritten / large.itemsSent,
  });
  const replayed = [...cps].reverse().find((cp) => cp.baselineSyncMs !== null);
  if (replayed) {
    figures.push({
      suite: "storage",
      measure: `sync latency p50 near ${formatCount(replayed.parts)} parts (${mb(replayed.liveBytes)}), during the replay`,
      ours: formatMs(replayed.oursSyncMs),
      baseline: formatMs(replayed.baselineSyncMs!),
      against: "snapshot rewrite",
      ratio: replayed.oursSyncMs / replayed.baselineSyncMs!,
    });
  }
  return figures;
}

function reconnectFigures(results: Results): Figure[] {
  return results.reconnect.map(({ label, result }) => ({
    suite: "live",
    measure: `bytes sent on reconnect after ${result.missedSyncs} missed syncs, ${label}`,
    ours: `${formatBytes(result.ours.bytes)} (${result.ours.messages} messages)`,
    baseline: `${formatBytes(result.fullReplay.bytes)} (${formatCount(result.fullReplay.messages)} messages)`,
    against: "full replay of every key (old server)",
    ratio: result.ours.bytes / result.fullReplay.bytes,
  }));
}

function ingestFigures(ingest: IngestRun[]): Figure[] {
  const figures: Figure[] = [];
  for (const run of ingest) {
    const { ours, floor, unredacted } = run.latency;
    for (const p of ["p50", "p99"] as const) {
      const ratio = ours[p] / floor[p];
      const bound = p === "p50" ? INGEST_LATENCY_TARGETS[run.size.bytes] : undefined;
      figures.push({
        suite: "ingest",
        measure: `sync latency ${p}, ${run.size.name} batch (${formatBytes(run.bodyBytes)}, ${ours.samples} one at a time)`,
        ours: formatMs(ours[p]),
        baseline: formatMs(floor[p]),
        against: "no-op POST floor",
        ratio,
        ...(bound === undefined
          ? {}
          : {
              target: `≤ ${bound}× the floor`,
              met: ratio <= bound,
              miss: `${formatRatio(ratio)} the floor, ${formatMs(ours[p] - floor[p] * bound)} above ${bound}× of it`,
            }),
      });
    }
    figures.push({
      suite: "ingest",
      measure: `sync latency p50, ${run.size.name} batch, against a floor that also passes the write limiter`,
      ours: formatMs(ours.p50),
      baseline: formatMs(run.latency.gated.p50),
      against: "no-op POST floor + 1 write-limiter call",
      ratio: ours.p50 / run.latency.gated.p50,
    });
    const t = run.throughput;
    const throughputRatio = t.ours.requestsPerSecond / t.floor.requestsPerSecond;
    const targeted = run.size.bytes === INGEST_THROUGHPUT_TARGET.bytes;
    figures.push({
      suite: "ingest",
      measure: `sync throughput, ${run.size.name} batches, 4 in flight`,
      ours: `${t.ours.requestsPerSecond.toFixed(1)}/s (${mb(t.ours.bytesPerSecond)}/s)`,
      baseline: `${t.floor.requestsPerSecond.toFixed(1)}/s (${mb(t.floor.bytesPerSecond)}/s)`,
      against: "no-op POST floor",
      ratio: throughputRatio,
      ...(targeted
        ? {
            target: `≥ ${INGEST_THROUGHPUT_TARGET.ratio}× the floor`,
            met: throughputRatio >= INGEST_THROUGHPUT_TARGET.ratio,
            miss: `${formatRatio(throughputRatio)} the floor`,
          }
        : {}),
    });
    const perMb = run.redactionMs / (run.bodyBytes / 1e6);
    const latencyPerMb = run.redactionLatencyMs / (run.bodyBytes / 1e6);
    const spanPerMb = run.redactionSpanMs / (run.bodyBytes / 1e6);
    const redactionBound = REDACTION_TARGETS_MS_PER_MB[run.size.bytes];
    figures.push({
      suite: "redaction",
      measure: `redaction cost, ${run.size.name} batches (the room's redaction step on them, timed over ${run.size.redactBatches * run.size.redactRepeat} runs)`,
      ours: `${formatMs(run.redactionMs)} per sync = ${perMb.toFixed(1)} ms/MB (in the syncs: ${spanPerMb.toFixed(1)} by the room's span, ${latencyPerMb.toFixed(1)} by paired latency)`,
      baseline: `p50 ${formatMs(unredacted.p50)}`,
      against: "same sync, REDACT_SECRETS=false",
      ratio: ours.p50 / unredacted.p50,
      ...(redactionBound === undefined
        ? {}
        : {
            target: `≤ ${redactionBound} ms/MB`,
            met: perMb <= redactionBound,
            miss: `${perMb.toFixed(1)} ms/MB, ${(perMb - redactionBound).toFixed(1)} over`,
          }),
    });
  }
  return figures;
}

function fanoutFigures(fanout: FanoutRun[]): Figure[] {
  const figures: Figure[] = [];
  for (const run of fanout) {
    for (const p of ["p50", "p99"] as const) {
      const ratio = run.ours[p] / run.floor[p];
      const targeted = p === "p50" || run.viewers >= FANOUT_P99_FROM_VIEWERS;
      figures.push({
        suite: "live",
        measure: `sync → viewer ${p}, ${formatCount(run.viewers)} viewer${run.viewers === 1 ? "" : "s"} (${formatBytes(run.messageBytes)} message, ${formatCount(run.ours.samples)} samples)`,
        ours: formatMs(run.ours[p]),
        baseline: formatMs(run.floor[p]),
        against: "bare broadcast DO floor",
        ratio,
        ...(targeted
          ? {
              target: `≤ ${FANOUT_TARGET}× the floor`,
              met: ratio <= FANOUT_TARGET,
              miss: `${formatRatio(ratio)} the floor, ${formatMs(run.ours[p] - run.floor[p] * FANOUT_TARGET)} above ${FANOUT_TARGET}× of it`,
            }
          : {}),
      });
    }
    figures.push({
      suite: "live",
      measure: `sync → viewer p50, ${formatCount(run.viewers)} viewer${run.viewers === 1 ? "" : "s"}, against a floor that also stores the message`,
      ours: formatMs(run.ours.p50),
      baseline: formatMs(run.durableFloor.p50),
      against: "bare broadcast DO + 1 durable SQLite row",
      ratio: run.ours.p50 / run.durableFloor.p50,
    });
    figures.push({
      suite: "live",
      measure: `sync → viewer p50, ${formatCount(run.viewers)} viewer${run.viewers === 1 ? "" : "s"}, against a floor that also passes the write limiter and stores the message`,
      ours: formatMs(run.ours.p50),
      baseline: formatMs(run.gatedFloor.p50),
      against: "bare broadcast DO + 1 durable SQLite row, behind 1 write-limiter call",
      ratio: run.ours.p50 / run.gatedFloor.p50,
    });
  }
  return figures;
}

/** A suite's mean ms per sync of the span `name` (0 when it did not run). */
function spanMs(spans: { name: string; ms: number }[] | undefined, name: string): number {
  return spans?.find((span) => span.name === name)?.ms ?? 0;
}

/** The spans of the way into the room: routing and the write limiter, the body read, the RPC. */
const SPANS_TO_ROOM = ["worker: write limit", "worker: read body", "rpc to room"];
/** The span after the broadcast: the rest of the room's turn, the commit the answer waits for, the RPC back. */
const SPAN_ANSWER = "commit and answer";

/** Sum of the spans from the first after {@link SPANS_TO_ROOM} to `broadcast`: the room's own work before viewers. */
function roomWorkMs(spans: { name: string; ms: number }[]): number {
  let sum = 0;
  for (const span of spans) {
    if (SPANS_TO_ROOM.includes(span.name)) continue;
    sum += span.ms;
    if (span.name === "broadcast") break;
  }
  return sum;
}

/**
 * "Where the time goes": the sync path's spans (`packages/sessions/src/room/spans.ts`, recorded by the bench
 * worker) per sync, for each ingest batch size and fan-out viewer count, beside the client-side latency and its
 * same-run floor; what the spans do not cover is the HTTP request's way in and out, which the floor pays too.
 */
function spansSection(results: Results): string | null {
  const columns: { label: string; latency: number; floor: number; spans: { name: string; ms: number }[] }[] = [
    ...(results.ingest ?? []).map((run) => ({
      label: `sync ${run.size.name}`,
      latency: run.latency.ours.p50,
      floor: run.latency.floor.p50,
      spans: run.spans ?? [],
    })),
    ...(results.fanout ?? []).map((run) => ({
      label: `live, ${formatCount(run.viewers)} viewer${run.viewers === 1 ? "" : "s"}`,
      latency: run.ours.p50,
      floor: run.floor.p50,
      spans: run.spans ?? [],
    })),
  ].filter((column) => column.spans.length > 0);
  if (columns.length === 0) return null;
  const names = [...new Set(columns.flatMap((column) => column.spans.map((span) => span.name)))];
  const cellOf = (column: (typeof columns)[number], name: string) => {
    const span = column.spans.find((entry) => entry.name === name);
    return span ? formatMs(span.ms) : "–";
  };
  const total = (column: (typeof columns)[number]) => column.spans.reduce((sum, span) => sum + span.ms, 0);
  return [
    "### Where the time goes",
    "",
    "The sync path, span by span: mean milliseconds per sync over the timed syncs, measured with " +
      "`performance.now()` in the worker and the room, which share one isolate (`packages/sessions/src/room/spans.ts`; " +
      "off in the product, switched on by the bench worker). Spans run in this order; each ends where the next " +
      "begins. `worker: write limit` is routing plus the per-address `WRITE_LIMITER`, awaited before the body is " +
      "read on purpose (a refused flood costs no body read and wakes no Durable Object); `worker: read body` reads a " +
      "body of a declared length whole, which then goes to the room as bytes (`rpc to room`); `wait for queue` is the " +
      "room's one-at-a-time queue plus the share-row read; `check secret` compares the secret with the one that " +
      "last matched the stored hash (no digest after the first sync); the sync budget, a counter in the room, " +
      "falls in `check items`; `redact` scans only the items that change stored state; `put blobs` is the R2 PUT of " +
      "items over 1 MiB, before the rows name them: a viewer reads a blob reference straight from R2, so that PUT is " +
      "part of making the change viewable (these batches hold no such item); `transaction` writes at most one " +
      "row per changed item; `broadcast` sends the one encoded message to every viewer, which the runtime releases " +
      "once the transaction is committed (the output gate); `arm alarm` moves the flush alarm earlier if need be (no " +
      "storage call when the room already knows it); `commit and answer` is the rest: the end of the room's task, the " +
      "commit the answer waits for (SQLite writing the batch's pages, off the JavaScript stack: `(program)` in a CPU " +
      "profile, `npm run profile -w @shareroom/bench`), and the RPC back to the worker. `outside the spans` is the client-side p50 minus " +
      "the spans: the HTTP request's way in and out, which the floor pays as well.",
    "",
    `| span | ${columns.map((column) => column.label).join(" | ")} |`,
    `| --- | ${columns.map(() => "--:").join(" | ")} |`,
    ...names.map((name) => `| ${name} | ${columns.map((column) => cellOf(column, name)).join(" | ")} |`),
    `| **all spans** | ${columns.map((column) => `**${formatMs(total(column))}**`).join(" | ")} |`,
    `| outside the spans | ${columns.map((column) => formatMs(Math.max(0, column.latency - total(column)))).join(" | ")} |`,
    `| client-side p50 | ${columns.map((column) => formatMs(column.latency)).join(" | ")} |`,
    `| floor p50 (same run) | ${columns.map((column) => formatMs(column.floor)).join(" | ")} |`,
  ].join("\n");
}

/**
 * What a reload may download besides the HTML and still count as "the HTML only" (bytes): the headers of the
 * revalidations (304) of the share's data, a few hundred bytes each.
 */
const RELOAD_SLACK_BYTES = 4 * 1024;

function pageFigures(page: NonNullable<Results["page"]>): Figure[] {
  const figures: Figure[] = [];
  for (const run of page.runs) {
    const label = `${run.share} (${formatCount(run.parts)} parts, ${mb(run.snapshotBytes)} snapshot)`;
    const fail = run.ours.failure;
    const targetMs = run.parts <= 5000 ? PAGE_VIEWPORT_TARGET_MS.small : PAGE_VIEWPORT_TARGET_MS.large;
    const rows: [string, number, number, (value: number) => string, boolean][] = [
      ["time to first painted message", run.ours.firstMessageMs, run.floor.firstMessageMs, formatMs, false],
      ["time to a filled, painted viewport", run.ours.viewportMs, run.floor.viewportMs, formatMs, true],
      ["JS heap after load (after GC)", run.ours.heapBytes, run.floor.heapBytes, formatBytes, false],
      ["DOM nodes after load", run.ours.domNodes, run.floor.domNodes, formatCount, false],
      ["script time while scrolling 60 × 800 px", run.ours.scrollScriptMs, run.floor.scrollScriptMs, formatMs, false],
    ];
    for (const [measure, ours, floor, format, targeted] of rows) {
      figures.push({
        suite: "page",
        measure: `${measure}, ${label}`,
        ours: fail ? "did not render" : format(ours),
        baseline: format(floor),
        against: "static HTML of the same data",
        ratio: fail ? null : ours / floor,
        ...(targeted
          ? {
              target: `≤ ${formatMs(targetMs)} (${run.parts <= 5000 ? "“opens instantly”" : "“degrades gracefully”"})`,
              met: !fail && ours <= targetMs,
              miss: fail ? fail : `${formatMs(ours)}: ${formatMs(ours - targetMs)} over`,
            }
          : {}),
      });
    }
  }
  for (const run of page.runs) {
    const { reloadBytes, reloadHtmlBytes } = run.ours;
    if (!Number.isFinite(reloadBytes)) continue;
    const extra = reloadBytes - reloadHtmlBytes;
    figures.push({
      suite: "page",
      measure: `bytes downloaded on a reload, ${run.share} (${formatCount(run.parts)} parts)`,
      ours: `${formatBytes(reloadBytes)} (HTML ${formatBytes(reloadHtmlBytes)})`,
      baseline: formatBytes(run.floor.reloadBytes),
      against: "static HTML of the same data",
      ratio: run.floor.reloadBytes > 0 ? reloadBytes / run.floor.reloadBytes : null,
      target: `the HTML only (≤ ${formatBytes(RELOAD_SLACK_BYTES)} besides it: revalidation headers)`,
      met: extra <= RELOAD_SLACK_BYTES,
      miss: `${formatBytes(extra)} besides the HTML`,
    });
  }
  if (page.reader) figures.push(...readerFigures(page.reader));
  if (page.firstScreen) figures.push(firstScreenFigure(page.firstScreen, page.runs[0]));
  const initial = page.bundle.filter((file) => file.initial);
  const lazy = page.bundle.filter((file) => !file.initial);
  const sum = (files: BundleSize[]) => files.reduce((total, file) => total + file.gzipBytes, 0);
  figures.push({
    suite: "page",
    measure: `initial JS + CSS, gzip -9 (${initial.map((file) => file.file.split("/").pop()).join(", ")})`,
    ours: formatBytes(sum(initial)),
    baseline: "0 B",
    against: "static HTML (no script)",
    ratio: null,
  });
  if (lazy.length > 0) {
    figures.push({
      suite: "page",
      measure: `JS + CSS the share page fetched on top (${lazy.length} file${lazy.length === 1 ? "" : "s"}), gzip -9`,
      ours: formatBytes(sum(lazy)),
      baseline: "0 B",
      against: "static HTML (no script)",
      ratio: null,
    });
  }
  return figures;
}

/**
 * First readable content (the first message painted) of a large share, against the same page's on the run's first,
 * p99-size share: the page opens from the share's head, so the first screen should cost the same whatever the size.
 */
function firstScreenFigure(large: FirstScreenFigures, small: PageRun | undefined): Figure {
  const fail = large.failure;
  const baseline = small?.ours.firstMessageMs ?? Number.NaN;
  return {
    suite: "page",
    measure: `first readable content (first painted message), ${large.label} (${formatBytes(large.bytes)}, ${formatCount(large.parts)} parts)`,
    ours: fail ? "did not render" : formatMs(large.firstMessageMs),
    baseline: formatMs(baseline),
    against: small ? `the same page on the ${small.share} (${mb(small.snapshotBytes)})` : "no small share measured",
    ratio: fail || !Number.isFinite(baseline) ? null : large.firstMessageMs / baseline,
    target: `≤ ${formatMs(FIRST_SCREEN_TARGET_MS)}`,
    met: !fail && large.firstMessageMs <= FIRST_SCREEN_TARGET_MS,
    miss: fail ?? `${formatMs(large.firstMessageMs)}: ${formatMs(large.firstMessageMs - FIRST_SCREEN_TARGET_MS)} over`,
  };
}

/** Find latency and typing at 20,000 parts, and PageDown against the static floor. */
function readerFigures(reader: ReaderFigures): Figure[] {
  const fail = reader.failure;
  const label = `${formatCount(reader.parts)} parts`;
  const ratio = reader.pageDownPx / reader.staticPageDownPx;
  return [
    {
      suite: "page",
      measure: `find "${reader.query}": first results after the last keystroke, ${label} (${formatCount(reader.matches)} matches)`,
      ours: fail ? "did not run" : formatMs(reader.searchMs),
      baseline: formatMs(reader.staticScanMs),
      against: "counting the query in the static page's text (main thread)",
      ratio: fail ? null : reader.searchMs / reader.staticScanMs,
      target: `≤ ${formatMs(SEARCH_TARGET_MS)}`,
      met: !fail && reader.searchMs <= SEARCH_TARGET_MS,
      miss: fail ?? `${formatMs(reader.searchMs)}: ${formatMs(reader.searchMs - SEARCH_TARGET_MS)} over`,
    },
    {
      suite: "page",
      measure: `find "${reader.query}": the complete count after the last keystroke, ${label}`,
      ours: fail ? "did not run" : formatMs(reader.completeMs),
      baseline: formatMs(reader.staticScanMs),
      against: "counting the query in the static page's text (main thread)",
      ratio: fail ? null : reader.completeMs / reader.staticScanMs,
    },
    {
      suite: "page",
      measure: `longest main-thread task while typing into find, ${label}`,
      ours: fail ? "did not run" : formatMs(reader.searchLongestTaskMs),
      baseline: formatMs(reader.staticScanMs),
      against: "counting the query in the static page's text (main thread)",
      ratio: null,
      target: `≤ ${formatMs(TYPING_TASK_TARGET_MS)}`,
      met: !fail && reader.searchLongestTaskMs <= TYPING_TASK_TARGET_MS,
      miss: fail ?? `${formatMs(reader.searchLongestTaskMs)}: a task blocked typing`,
    },
    {
      suite: "page",
      measure: `distance of 10 PageDown presses, ${label}`,
      ours: fail ? "did not run" : `${formatCount(reader.pageDownPx)} px`,
      baseline: `${formatCount(reader.staticPageDownPx)} px`,
      against: "static HTML of the same data",
      ratio: fail ? null : ratio,
      target: `1.00 ± ${PAGE_DOWN_TOLERANCE.toFixed(2)}`,
      met: !fail && Math.abs(ratio - 1) <= PAGE_DOWN_TOLERANCE,
      miss: fail ?? `ratio ${ratio.toFixed(3)}: the page moved the window during the presses`,
    },
  ];
}

export function figuresOf(results: Results): Figure[] {
  return [
    ...(results.storage ? storageFigures(results.storage) : []),
    ...(results.memory ? memoryFigures(results.memory) : []),
    ...(results.ingest ? ingestFigures(results.ingest) : []),
    ...(results.fanout ? fanoutFigures(results.fanout) : []),
    ...reconnectFigures(results),
    ...(results.page ? pageFigures(results.page) : []),
  ];
}

const verdict = (figure: Figure) => (figure.met === undefined ? "" : figure.met ? "met" : "MISSED");

/** The results table for the terminal. */
export function consoleTable(figures: Figure[]): string {
  const rows = figures.map((figure) => [
    figure.suite,
    figure.measure,
    figure.ours,
    `${figure.baseline}  [${figure.against}]`,
    formatRatio(figure.ratio),
    figure.target ? `${figure.target}: ${verdict(figure)}` : "",
  ]);
  const header = ["suite", "measure", "shareroom", "baseline (same run)", "ratio", "target"];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" │ ");
  return [line(header), widths.map((width) => "─".repeat(width)).join("─┼─"), ...rows.map(line)].join("\n");
}

function markdownTable(figures: Figure[]): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const lines = [
    "| suite | measure | shareroom | baseline, same run | ratio | target |",
    "| --- | --- | --: | --: | --: | --- |",
  ];
  for (const figure of figures) {
    lines.push(
      `| ${figure.suite} | ${cell(figure.measure)} | ${cell(figure.ours)} | ${cell(figure.baseline)} <br><sub>${cell(figure.against)}</sub> | ${formatRatio(figure.ratio)} | ${figure.target ? `${cell(figure.target)}: **${verdict(figure)}**` : ""} |`,
    );
  }
  return lines.join("\n");
}

/** The SVG charts, by file name under docs/. */
export function charts(results: Results): Record<string, string> {
  const out: Record<string, string> = {};
  const storage = results.storage;
  if (storage) {
    const cps = storage.checkpoints;
    out["performance-r2-bytes.svg"] = lineChart({
      title: "R2 bytes written over a session's life",
      subtitle: `Log–log: slope 1 is linear growth, slope 2 quadratic. Baseline replayed to ${formatCount(storage.baselineParts)} parts, computed beyond (dashed)`,
      xLabel: "parts synced so far (log scale)",
      yLabel: "R2 bytes written (log scale)",
      logX: true,
      logY: true,
      formatX: (value) => formatCount(value),
      formatY: decimalBytes,
      series: [
        {
          name: "snapshot rewrite (measured)",
          color: COLORS.baseline,
          points: cps.filter((cp) => cp.baseline).map((cp) => [cp.parts, cp.baseline!.r2BytesWritten]),
        },
        {
          name: "snapshot rewrite (model)",
          color: COLORS.baseline,
          dashed: true,
          points: cps.map((cp) => [cp.parts, cp.model.r2BytesWritten]),
        },
        { name: "shareroom", color: COLORS.ours, points: cps.map((cp) => [cp.parts, cp.ours.r2BytesWritten]) },
      ],
    });
  }
  if (results.fanout) {
    out["performance-fanout.svg"] = barChart({
      title: "Sync → viewer latency",
      subtitle: "Same runtime, same message, same number of viewers; viewers in 4 separate processes",
      yLabel: "ms (log scale)",
      logY: true,
      formatY: (value) => (value >= 10 ? value.toFixed(0) : value.toFixed(1)),
      groups: results.fanout.map((run) => ({
        label: `${formatCount(run.viewers)} viewer${run.viewers === 1 ? "" : "s"}`,
        bars: [
          { name: "shareroom p50", color: COLORS.ours, value: run.ours.p50 },
          { name: "floor p50", color: COLORS.floor, value: run.floor.p50 },
          { name: "floor + durable write p50", color: COLORS.extra, value: run.durableFloor.p50 },
          { name: "shareroom p99", color: "#0a3069", value: run.ours.p99 },
          { name: "floor p99", color: "#57606a", value: run.floor.p99 },
        ],
      })),
    });
  }
  if (results.ingest) {
    out["performance-ingest.svg"] = barChart({
      title: "POST /api/share/:id/sync latency (p50)",
      subtitle: "One request at a time; the floor reads the body and discards it, in the same worker",
      yLabel: "ms (log scale)",
      logY: true,
      formatY: (value) => (value >= 10 ? value.toFixed(0) : value.toFixed(1)),
      groups: results.ingest.map((run) => ({
        label: `${run.size.name} batch`,
        bars: [
          { name: "no-op floor", color: COLORS.floor, value: run.latency.floor.p50 },
          { name: "shareroom, redaction off", color: COLORS.extra, value: run.latency.unredacted.p50 },
          { name: "shareroom", color: COLORS.ours, value: run.latency.ours.p50 },
        ],
      })),
    });
  }
  return out;
}

function storageDetails(storage: StorageResult): string {
  const lines = [
    "| parts | syncs | live bytes | shareroom: R2 bytes written (÷ live) | of which head rewrites | segments | blobs | PUTs | page view: GETs, bytes | rows written | baseline: R2 bytes written (÷ live) | baseline PUTs + GETs | sync p50: shareroom / baseline | flush p50 |",
    "| --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
  ];
  for (const cp of storage.checkpoints) {
    const share = (bytes: number) => `${formatBytes(bytes)} (${((100 * bytes) / cp.ours.r2BytesWritten).toFixed(0)} %)`;
    const baseWritten = cp.baseline ? cp.baseline.r2BytesWritten : cp.model.r2BytesWritten;
    const ops = cp.baseline
      ? `${cp.baseline.r2Puts} + ${cp.baseline.r2Gets}`
      : `${cp.batches + 1} + ${cp.batches} (model)`;
    lines.push(
      `| ${formatCount(cp.parts)} | ${formatCount(cp.batches)} | ${formatBytes(cp.liveBytes)} | ${formatBytes(cp.ours.r2BytesWritten)} (${(cp.ours.r2BytesWritten / cp.liveBytes).toFixed(1)}×) | ${share(cp.oursHeadBytes)} | ${share(cp.oursSegmentBytes)} | ${share(cp.ours.r2BytesWritten - cp.oursHeadBytes - cp.oursSegmentBytes)} | ${formatCount(cp.ours.r2Puts)} | ${cp.oursView.reads}, ${formatBytes(cp.oursView.bytes)} | ${formatCount(cp.ours.rowsWritten)} | ${formatBytes(baseWritten)}${cp.baseline ? "" : " (model)"} (${(baseWritten / cp.liveBytes).toFixed(1)}×) | ${ops} | ${formatMs(cp.oursSyncMs)} / ${cp.baselineSyncMs === null ? "–" : formatMs(cp.baselineSyncMs)} | ${formatMs(cp.oursFlushMs)} |`,
    );
  }
  return lines.join("\n");
}

/** What the write limiter is on this machine, for the texts that report the floors behind it. */
const LIMITER_EMULATION = "Miniflare's emulation of the binding, a Durable Object that writes one SQLite row per call";

/** The fan-out bullet of "What would close the gaps": the 1-viewer gap split by span, and what is left at scale. */
function fanoutClosing(fanout: FanoutRun[], missed: Figure[]): string {
  const one = fanout[0]!;
  const many = fanout.at(-1)!;
  const gap = one.ours.p50 - one.floor.p50;
  const durability = Math.max(0, one.durableFloor.p50 - one.floor.p50);
  const durableRatio = one.durableFloor.p50 / one.floor.p50;
  const gatedRatio = one.gatedFloor.p50 / one.floor.p50;
  const toRoom = SPANS_TO_ROOM.reduce((sum, name) => sum + spanMs(one.spans, name), 0);
  const room = roomWorkMs(one.spans);
  const limiter = spanMs(one.spans, "worker: write limit");
  const counts = [...new Set(missed.map((figure) => figure.measure.match(/([\d,]+) viewers?/)?.[1]))];
  const largest = [...one.spans]
    .filter((span) => !SPANS_TO_ROOM.includes(span.name) && span.name !== SPAN_ANSWER)
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((span) => `${span.name} ${formatMs(span.ms)}`)
    .join(", ");
  return (
    `- **Fan-out** (missed at ${counts.join(", ")} viewers). The floor forwards a string it is handed; the product ` +
    `first has to accept the sync. With ${formatCount(one.viewers)} viewer the gap is ${formatMs(gap)} ` +
    `(${formatMs(one.ours.p50)} against ${formatMs(one.floor.p50)}). Before its broadcast the product spends ` +
    `${formatMs(toRoom)} on the way into the room (the floor has a way in too, without a limiter: routing and an ` +
    `RPC), ${formatMs(limiter)} of it the write limiter's round trip; ${formatMs(room)} in the room's own work ` +
    `(largest: ${largest}); and then the runtime holds the broadcast for the commit, about ` +
    `${formatMs(durability)} (what the floor that stores its message first pays over the bare one). ` +
    (durableRatio > FANOUT_TARGET
      ? `Durability alone puts that floor at ${formatRatio(durableRatio)} the bare one, above the ` +
        `${FANOUT_TARGET}× target whatever the product does: at ${formatCount(one.viewers)} viewer the target cannot ` +
        "be met without showing viewers a change before it is durable, which the live path never does. "
      : `Durability alone costs ${formatRatio(durableRatio)} the bare floor. `) +
    `Behind one write-limiter call as well (every sync passes one before anything else), that floor is ` +
    `${formatMs(one.gatedFloor.p50)}, ${formatRatio(gatedRatio)} the bare one, and the ` +
    `product is ${formatRatio(one.ours.p50 / one.gatedFloor.p50)} of it: ` +
    (gatedRatio > FANOUT_TARGET
      ? `the limiter and the commit alone put the path above the ${FANOUT_TARGET}× target at ` +
        `${formatCount(one.viewers)} viewer, whatever the rest of the product does (locally the limiter is ` +
        `${LIMITER_EMULATION}). `
      : "the rest is the product's own work. ") +
    `With ${formatCount(many.viewers)} viewers the sends dominate both sides and the ratio is ` +
    `${formatRatio(many.ours.p50 / many.floor.p50)} (p99 ${formatRatio(many.ours.p99 / many.floor.p99)}). What is ` +
    "left is not work the path can drop: the write limiter is awaited before the body is read because that is " +
    "what it protects (a refused flood costs no body read and wakes no Durable Object; mutation-limits.test.ts " +
    "holds it), and the room's work is one pass each of parsing, item checks, secretlint and SQLite, then one " +
    "encoded message sent to every socket. The p99 figures swing from " +
    "run to run on this shared 2-core machine (one slow round moves a p99 of a few thousand samples); judge the " +
    "p50s, and rerun before acting on a p99 miss alone."
  );
}

/** The ingest bullet of "What would close the gaps": where each batch size's time goes beyond the floor. */
function ingestClosing(ingest: IngestRun[]): string {
  const parts = ingest.map((run) => {
    const largest = [...(run.spans ?? [])]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 4)
      .map((span) => `${span.name} ${formatMs(span.ms)}`)
      .join(", ");
    return (
      `${run.size.name}: ${formatMs(run.latency.ours.p50)} against ${formatMs(run.latency.floor.p50)} ` +
      `(${formatRatio(run.latency.ours.p50 / run.latency.floor.p50)}; ` +
      `${formatRatio(run.latency.ours.p50 / run.latency.gated.p50)} the floor behind the write limiter, ` +
      `${formatMs(run.latency.gated.p50)}); largest spans ${largest}`
    );
  });
  const small = ingest[0]!;
  const fixed = [...SPANS_TO_ROOM, SPAN_ANSWER].reduce((sum, name) => sum + spanMs(small.spans, name), 0);
  return (
    `- **Ingest.** ${parts.join("; ")}. A small sync pays fixed costs the no-op floor does not — the write ` +
    "limiter's round trip, the RPC to the room and the commit before the answer: " +
    `${formatMs(fixed)} at ${small.size.name}, against ${formatMs(roomWorkMs(small.spans ?? []))} of the room's ` +
    "own work. A large one is linear in its bytes, and every pass over them is one the product " +
    "needs once: reading the body, `JSON.parse` (and the nesting check before it, which also finds each item's " +
    "text in the body: an item stored as sent is stored and broadcast as that text, `room/item-text.ts`), the item " +
    "checks (validation by the zod schema), secretlint, and the SQLite writes of the rows (50 per statement, 2 bound " +
    "values each: in workerd each bound value costs about as much as SQLite's work on a small row). What is left " +
    "at 5 MB is mostly SQLite (the `transaction` span, then the commit in `commit and answer`, which a CPU profile " +
    "shows as `(program)` time after the transaction: writing the batch's pages) and redaction (its keyword scan runs " +
    "at the speed of a bare `charCodeAt` loop here); neither can leave the path without giving up the answer after " +
    "durability or the redaction of every changed item."
  );
}

function targetsSection(figures: Figure[], results: Results): string {
  const targeted = figures.filter((figure) => figure.target);
  const lines: string[] = [];
  for (const figure of targeted) {
    lines.push(
      `- **${figure.met ? "Met" : "Missed"}** — ${figure.measure}: ${figure.ours} (target ${figure.target})${figure.met ? "." : `; ${figure.miss}.`}`,
    );
  }
  const missedFanout = targeted.filter((figure) => figure.suite === "live" && !figure.met);
  const missedPage = targeted.filter((figure) => figure.suite === "page" && !figure.met);
  const missedStorage = targeted.filter((figure) => figure.suite === "storage" && !figure.met);
  const closing: string[] = [];
  const fanout = results.fanout ?? [];
  if (missedFanout.length > 0 && fanout.length > 0) closing.push(fanoutClosing(fanout, missedFanout));
  const missedIngest = targeted.filter((figure) => figure.suite === "ingest" && !figure.met);
  if (missedIngest.length > 0 && results.ingest) closing.push(ingestClosing(results.ingest));
  const pages = results.page?.runs ?? [];
  if (missedPage.length > 0 && pages.length > 0) {
    const details = missedPage.map((figure) => `${figure.measure}: ${figure.ours} (${figure.target})`).join("; ");
    closing.push(
      `- **Page.** ${details}. The first screen of a large share needs the head and the newest entries of its newest ` +
        "segment (`?newest`: those starting in its last 256 KiB, or 1 MiB when those hold fewer than 8; " +
        "`packages/web/src/lib/segment-order.ts`), which the HTML preloads and the page parses on its main thread; " +
        "the whole segment is read after. A text part of that turn is laid out whole unless it is a tool output or " +
        "file over 20,000 characters (shown cut until Show all). What would close it: markdown text cut the same way, " +
        "and fewer layout passes while the first rows are measured. The figure swings by a few hundred ms between " +
        "runs on this shared machine.",
    );
  }
  if (missedStorage.length > 0) {
    closing.push(
      "- **Storage.** Bytes written grow faster than the session: look at the segment merge rule in " +
        "`packages/sessions/src/share-room.ts` (`writeSegment`).",
    );
  }
  return [...lines, "", ...(closing.length > 0 ? ["What would close the gaps:", "", ...closing] : [])].join("\n");
}

/** docs/performance.md. */
/**
 * The prose of docs/performance.md that a run of some suites can produce — its targets with what would close the
 * gaps, and where the time goes — for the console: such a run leaves docs/ alone.
 */
export function partialProse(results: Results, figures: Figure[]): string {
  return [targetsSection(figures, results), spansSection(results)].filter(Boolean).join("\n\n");
}

export function markdown(results: Results, figures: Figure[]): string {
  const m = results.machine;
  const storage = results.storage;
  const large = storage?.checkpoints.at(-1);
  const replayedTo = storage ? [...storage.checkpoints].reverse().find((cp) => cp.baseline) : undefined;
  const first = storage?.checkpoints[0];
  const ampOurs = large ? large.ours.r2BytesWritten / large.liveBytes : Number.NaN;
  const ampFirst = first ? first.ours.r2BytesWritten / first.liveBytes : Number.NaN;
  const baseWrittenOf = (cp: Checkpoint) => cp.baseline?.r2BytesWritten ?? cp.model.r2BytesWritten;
  const ampBase = large ? baseWrittenOf(large) / large.liveBytes : Number.NaN;
  const ampBaseFirst = first ? baseWrittenOf(first) / first.liveBytes : Number.NaN;
  const headShare = large ? (100 * large.oursHeadBytes) / large.ours.r2BytesWritten : Number.NaN;
  const out: string[] = [];
  out.push(
    "# Performance",
    "",
    `Generated by \`npm run bench\` (the \`bench/\` workspace) on ${results.startedAt.slice(0, 10)}; the whole run took ` +
      `${(results.runtimeMs / 60_000).toFixed(1)} minutes. Do not edit by hand: rerun the bench, which rewrites this ` +
      "file and the charts beside it.",
    "",
    "Every figure is measured against a baseline **in the same run, on the same runtime** (`wrangler dev` / workerd " +
      "on loopback, each with fresh temporary state), and printed with its ratio (shareroom ÷ baseline: below 1× " +
      "means smaller or faster, except for throughput, where below 1× means slower). Absolute times only mean " +
      "something beside their ratio: they are local-runtime times on a 2-core machine, not production latencies.",
    "",
  );
  if (results.errors.length > 0) {
    out.push("**This run had failures** — the figures of these suites are missing:", "");
    for (const error of results.errors) out.push(`- ${error.suite}: ${error.message.split("\n")[0]}`);
    out.push("");
  }
  out.push("## Results", "", markdownTable(figures), "");
  out.push("## Targets", "", targetsSection(figures, results), "");
  out.push(
    "## Machine",
    "",
    "| | |",
    "| --- | --- |",
    `| CPU | ${m.cpus} cores (\`nproc\`), ${m.cpuModel} |`,
    `| memory | ${formatBytes(m.memoryBytes)} |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} (the repository's \`node\` devDependency) |`,
    `| wrangler / workerd | ${m.wrangler} / ${m.workerd} |`,
    `| Chromium | ${m.chromium} (\`/usr/bin/chromium\`, headless) |`,
    `| load average (1 min) | ${m.loadBefore.toFixed(2)} when the run started, ${m.loadAfter.toFixed(2)} when it ended |`,
    "",
    "## How to reproduce",
    "",
    "```sh",
    "npm ci",
    "npm run bench                            # every suite, 4–8 minutes on 2 cores; rewrites this file",
    "BENCH_ONLY=fanout,ingest npm run bench   # some suites (storage, ingest, fanout, page); leaves docs/ alone",
    "BENCH_BASELINE_PARTS=20000 BENCH_ONLY=storage npm run bench   # the baseline replayed all the way (slow)",
    "BENCH_SKIP_LARGE_SHARE=1 BENCH_ONLY=page npm run bench   # the page suite without its 200 MiB share",
    "```",
    "",
    "The bench starts everything itself on free loopback ports and stops it at the end: the sessions worker through " +
      "`bench/workers/sessions` (the product's own entry module plus bench-only routes under `/__bench/`), the " +
      "baseline worker `bench/workers/snapshot-baseline`, and the page's production build. State lives in a " +
      "temporary folder (`--persist-to`), and one temporary dev registry (`WRANGLER_REGISTRY_PATH` = " +
      "`MINIFLARE_REGISTRY_PATH`) lets the page's service binding find the sessions worker; " +
      "`CLOUDFLARE_CF_FETCH_ENABLED=false`. It exits non-zero only when a suite could not run, never for a missed " +
      "target. The generated data is seeded: the same bytes every run.",
    "",
  );
  if (storage && large) {
    out.push(
      "## Storage cost over a session's life",
      "",
      "![R2 bytes written](performance-r2-bytes.svg)",
      "",
      `A generated session of ${formatCount(large.parts)} parts (${formatBytes(large.liveBytes)} of item JSON, ` +
        `${formatCount(large.batches)} syncs) in the CLI's shape: batches of ~15 items, \`session\`, \`session_diff\` ` +
        "and `model` re-sent in each; tools sent `running` then `completed`, text and reasoning unfinished then " +
        "finished (`bench/src/generate.ts`). Time is compressed: batches go out back to back, and after each one " +
        "the bench makes the room flush to R2 (`POST /__bench/flush/:id`, which calls the same `flushNow()` as " +
        "`GET /api/share/:id/data`, without that route's read). That is what the room's 1 s alarm does when the CLI " +
        "sends a batch a second, and the most R2 writes this traffic can cause. The product's figures are its own " +
        "metering (`GET /api/sessions/:id` → `stats`; `x-shareroom-r2-reads` of `GET /snapshot`).",
      "",
      "The baseline is the upstream server's design, one R2 object per share that every sync reads, merges and " +
        "rewrites whole (`bench/workers/snapshot-baseline`), fed the same batches in the same order, counting its " +
        `own operations and bytes. It is replayed up to ${formatCount(storage.baselineParts)} parts` +
        (replayedTo ? ` (${formatBytes(replayedTo.liveBytes)}, the size of a p99 session)` : "") +
        ": replaying it to the end would write " +
        `${formatBytes(large.model.r2BytesWritten)}, most of an hour here. Past that point its bytes are the sum of ` +
        "its snapshot's size after each sync, computed from the same batches; over the replayed range that model " +
        `matches the worker's own counters within ${(storage.modelError * 100).toFixed(2)} %.`,
      "",
      storageDetails(storage),
      "",
      `Reading the table: over the session the product writes ${ampFirst.toFixed(1)}× the live bytes at ` +
        `${formatCount(first!.parts)} parts and ${ampOurs.toFixed(1)}× at ${formatCount(large.parts)}: the multiple ` +
        `grows ${(ampOurs / ampFirst).toFixed(1)}× while the session grows ${(large.parts / first!.parts).toFixed(0)}× ` +
        "(segments are merged a logarithmic number of times: n log n at worst, close to linear), while the " +
        `baseline's multiple grows with every sync, from ${ampBaseFirst.toFixed(0)}× ` +
        `to ${ampBase.toFixed(0)}× (quadratic). Of the product's bytes, ${headShare.toFixed(0)} % are head ` +
        "rewrites (each flush rewrites the head: the segment list and at most `TAIL_INLINE_MAX_BYTES` = 16 KiB of " +
        "entries changed since the newest segment; a larger tail is appended as a new segment), the rest segments " +
        "and blobs: small segments merge 8 at a time, larger ones once a run of them reaches 4 MiB, so each byte is " +
        'written at most three times in segments (docs/storage.md, "Compaction"). R2 bills operations and stored ' +
        "bytes, not bytes written: the product makes one or two PUTs per flush (head, and the appended segment when " +
        "the tail outgrows 16 KiB), no GET per sync, and a bounded number of reads per page view.",
      "",
    );
  }
  if (results.ingest) {
    out.push(
      "## Sync ingest",
      "",
      "![Ingest latency](performance-ingest.svg)",
      "",
      "`POST /api/share/:id/sync` with batches of about 10 KB, 100 KB and 5 MB of new parts (plus the `session`, " +
        "`session_diff` and `model` the CLI re-sends), against `POST /__bench/noop` in the same worker, which reads " +
        "the body and discards it: what the runtime costs before any product code. Latency: one request at a time, " +
        "floor, product and product-without-redaction taking turns on the same body; after each product sync the " +
        "bench has the room flush to R2 at once, outside the timing, so the flush its alarm would run a second later " +
        "never lands inside another request (flush cost is in the storage table). Throughput: 4 requests in flight, " +
        "each target on a fresh share, with the flush alarm running as in production. " +
        "The per-address write limiter is consulted on every request and the room counts every sync against the " +
        "share's budget (both raised for the bench, in its wrangler config and `SYNCS_PER_SHARE_PER_MINUTE`, since a " +
        "compressed replay sends far more than 600 syncs a minute to one share).",
      "",
      "The column floor + write limiter is the same no-op behind one call of the product's `WRITE_LIMITER` binding " +
        "(`/__bench/noop?limit=1`), the per-address check a sync passes before its body is read: for diagnosis, " +
        `beside the floor the targets use. Locally that binding is ${LIMITER_EMULATION}.`,
      "",
      "| batch | body | latency p50 / p99: floor | floor + write limiter | shareroom | redaction off | throughput: floor | shareroom | redaction off |",
      "| --- | --: | --: | --: | --: | --: | --: | --: | --: |",
      ...results.ingest.map(
        (run) =>
          `| ${run.size.name} | ${formatBytes(run.bodyBytes)} | ${formatMs(run.latency.floor.p50)} / ${formatMs(run.latency.floor.p99)} | ${formatMs(run.latency.gated.p50)} / ${formatMs(run.latency.gated.p99)} | ${formatMs(run.latency.ours.p50)} / ${formatMs(run.latency.ours.p99)} | ${formatMs(run.latency.unredacted.p50)} / ${formatMs(run.latency.unredacted.p99)} | ${run.throughput.floor.requestsPerSecond.toFixed(1)}/s | ${run.throughput.ours.requestsPerSecond.toFixed(1)}/s | ${run.throughput.unredacted.requestsPerSecond.toFixed(1)}/s |`,
      ),
      "",
      "### Redaction",
      "",
      'The same syncs into a ShareRoom whose `REDACT_SECRETS` is `"false"` (`ShareRoomUnredacted` in the bench ' +
        "worker: the product class, constructed with that one variable changed; a share created with the header " +
        "`x-bench-redact: false` lives there) tell what redaction adds to a sync, three ways. The figure held to the " +
        "target is the redaction step alone: `redactEntries`, which the room runs on a sync's changed items, on the " +
        "same batches, in the same workerd, repeated in one request (`/__bench/redact`) until a few hundred " +
        "milliseconds have passed, divided by the runs. Inside the syncs, the room's `redact` span (its mean, less " +
        "the same mean with redaction off) says the same with the clock's whole-millisecond steps in it, and the " +
        "median of the per-body latency differences between the two rooms, sent back to back, says it from the " +
        "client: a 10 ms sync's latency varies by more than the redaction costs, so that column swings with the " +
        "machine's load.",
      "",
      "| batch | redaction per sync | per MB of body | in the syncs: room span, per MB | paired latency, per MB | sync p50 with / without |",
      "| --- | --: | --: | --: | --: | --: |",
      ...results.ingest.map(
        (run) =>
          `| ${run.size.name} | ${formatMs(run.redactionMs)} | ${(run.redactionMs / (run.bodyBytes / 1e6)).toFixed(1)} ms/MB | ${(run.redactionSpanMs / (run.bodyBytes / 1e6)).toFixed(1)} ms/MB | ${(run.redactionLatencyMs / (run.bodyBytes / 1e6)).toFixed(1)} ms/MB | ${formatMs(run.latency.ours.p50)} / ${formatMs(run.latency.unredacted.p50)} |`,
      ),
      "",
    );
  }
  const spans = spansSection(results);
  if (spans) out.push(spans, "");
  if (results.fanout) {
    const offsets = results.clockOffsets ?? [];
    out.push(
      "## Live fan-out",
      "",
      "![Fan-out latency](performance-fanout.svg)",
      "",
      "Time from sending a sync (just before the `POST`) to its `changes` message arriving at each connected " +
        "viewer, with 1, 100 and 1,000 viewers connected to `/ws/:id?since=<seq>`. The floor, in the same run and " +
        "runtime: `BareRoom`, a Durable Object in the bench worker that accepts viewers with the same hibernation " +
        "API and only broadcasts, sent the very message the product broadcast in the same round, to as many " +
        "viewers (`POST /__bench/bare/:name`). Rounds alternate product and floor; a round starts when every viewer " +
        "has the previous one. Viewers run in 4 Node processes (`bench/src/viewers.ts`, the `ws` client), so the " +
        "sender never receives. Send and arrival times are `performance.timeOrigin + performance.now()` in each " +
        "process; each viewer process's offset from the sender's clock was measured NTP-style over IPC and " +
        `subtracted (${offsets.map((o) => `${o.offset.toFixed(3)} ± ${o.uncertainty.toFixed(3)} ms`).join(", ")}).`,
      "",
      "The last two columns are floors for diagnosis: the bare room writing the message to one SQLite row before " +
        "it broadcasts (so the runtime holds the sends until the write is durable, as it holds the product's), and " +
        "that, behind one call of the product's `WRITE_LIMITER` binding in the worker (`?durable=1&limit=1`), the " +
        `per-address check every sync passes before its body is read. Locally that binding is ${LIMITER_EMULATION}; ` +
        "what the product spends above the last floor is its own work.",
      "",
      "| viewers | message | samples | shareroom p50 / p99 | floor p50 / p99 | ratio p50 / p99 | floor + durable write p50 / p99 | + write limiter p50 / p99 |",
      "| --: | --: | --: | --: | --: | --: | --: | --: |",
      ...results.fanout.map(
        (run) =>
          `| ${formatCount(run.viewers)} | ${formatBytes(run.messageBytes)} | ${formatCount(run.ours.samples)} | ${formatMs(run.ours.p50)} / ${formatMs(run.ours.p99)} | ${formatMs(run.floor.p50)} / ${formatMs(run.floor.p99)} | ${formatRatio(run.ours.p50 / run.floor.p50)} / ${formatRatio(run.ours.p99 / run.floor.p99)} | ${formatMs(run.durableFloor.p50)} / ${formatMs(run.durableFloor.p99)} | ${formatMs(run.gatedFloor.p50)} / ${formatMs(run.gatedFloor.p99)} |`,
      ),
      "",
    );
  }
  if (results.reconnect.length > 0) {
    out.push(
      "### Reconnect",
      "",
      "A viewer that missed the last 10 syncs reconnects with `?since=<seq>` and gets only the entries changed since " +
        "(then `ready`). The baseline is the old opencode share server's behaviour, every stored key replayed on " +
        "each connect, measured on the product's own implementation of that protocol (`/share_poll?id=<id>`, one " +
        "`{key, content}` message per stored session, message and part), on the same share.",
      "",
      "| share | parts | `?since=` catch-up | full replay | ratio |",
      "| --- | --: | --: | --: | --: |",
      ...results.reconnect.map(
        ({ label, parts, result }) =>
          `| ${label} | ${formatCount(parts)} | ${formatBytes(result.ours.bytes)} in ${result.ours.messages} messages | ${formatBytes(result.fullReplay.bytes)} in ${formatCount(result.fullReplay.messages)} messages | ${formatRatio(result.ours.bytes / result.fullReplay.bytes)} |`,
      ),
      "",
    );
  }
  if (results.page) {
    out.push(
      "## Page",
      "",
      "Headless Chromium against the page's production build: `vite build` of packages/web into a temporary " +
        "folder, served by `wrangler dev` from the build's own deployable config (`dist/shareroom_web/wrangler.json`), " +
        "its `API` service binding reaching the bench's sessions worker through the dev registry. Not `vite dev`: " +
        "that serves hundreds of untransformed modules on demand and would time vite, not the page. Each load is a " +
        "fresh browser context at 1280 × 900; figures are medians of the loads. Times are from navigation start: " +
        "the first frame painted after a `[data-message-id]` element exists, and the first painted frame in which " +
        "messages reach the bottom of the viewport (polled with `requestAnimationFrame` from an init script). Heap: " +
        "`JSHeapUsedSize` after a forced GC; scrolling: the CDP `ScriptDuration` delta over 60 wheel steps of 800 px.",
      "",
      "The baseline is modest, as the issue allows: a static HTML file of the same messages and parts (escaped " +
        "text, tool output in `<pre>`, no script), served from loopback. It bounds what any renderer of this data " +
        "costs in this browser; the page does far more (markdown, per-tool views, live updates), so its ratios are " +
        "context, not targets. Gzip sizes are of the build output (zlib level 9): the files index.html loads and " +
        "those the share page fetched on top (the full list of build assets is in the bundle-size section below, " +
        "when `npm run deploy:dry-run -- --docs` has written it).",
      "",
      "| share | loads | first message: page / static | viewport: page / static | JS heap: page / static | DOM nodes: page / static | scroll script: page / static |",
      "| --- | --: | --: | --: | --: | --: | --: |",
      ...results.page.runs.map(
        (run) =>
          `| ${run.share}, ${formatCount(run.parts)} parts | ${run.ours.loads} | ${formatMs(run.ours.firstMessageMs)} / ${formatMs(run.floor.firstMessageMs)} | ${formatMs(run.ours.viewportMs)} / ${formatMs(run.floor.viewportMs)} | ${formatBytes(run.ours.heapBytes)} / ${formatBytes(run.floor.heapBytes)} | ${formatCount(run.ours.domNodes)} / ${formatCount(run.floor.domNodes)} | ${formatMs(run.ours.scrollScriptMs)} / ${formatMs(run.floor.scrollScriptMs)} |`,
      ),
      "",
      "| file | bytes | gzip -9 | loaded |",
      "| --- | --: | --: | --- |",
      ...results.page.bundle.map(
        (file) =>
          `| \`${file.file}\` | ${formatBytes(file.bytes)} | ${formatBytes(file.gzipBytes)} | ${file.initial ? "by index.html" : "by the share page"} |`,
      ),
      "",
    );
  }
  out.push(
    "## Caveats",
    "",
    "- Local runtime: `wrangler dev` puts a proxy worker in front of each worker and keeps R2 and SQLite on the local " +
      "disk. Both sides of every ratio pay that the same way, which is why only ratios are compared.",
    "- Two cores run the workers, the load generator and (for the page) Chromium at once; p99 figures are noisy.",
    "- The bench needs no change in packages/: its additions live in the bench worker's wrapper, which imports the " +
      "product's worker module unchanged.",
    "",
  );
  return out.join("\n");
}
