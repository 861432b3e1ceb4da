/**
 * Memory of the storage paths, and what the first screen of a large share reads from R2. For each share size (MiB,
 * `BENCH_MEMORY_MIB`, default 40, 200 and 500, the last near `MAX_SHARE_BYTES` (512 MiB), the largest share every
 * operation must handle; 500 takes about 9 minutes to generate, replay and read) a session of large tool outputs is
 * generated (`outputScale`) and sent through ordinary syncs, with a flush after each (what the 1 s alarm does when the
 * CLI sends a batch a second). Then each storage path runs alone: the replay (syncs and their flushes, segment merges
 * included), `GET /data`, `GET /snapshot`, legacy `GET /share_data`, the idle compaction, the sync that loads the
 * compacted share back (rehydration), a legacy `/share_poll` connect (it replays every stored key; the bench reads
 * until a sync sent after the connect arrives), and the share's deletion (checked: `/data` answers 404 after it).
 *
 * The figure checked against the target is the most the sessions worker's isolate held at once during the path:
 * every 100 ms the inspector collects garbage and reads the used heap plus ArrayBuffer backing stores
 * (`HeapProbe.heldDuring`), and the highest of those readings above the level before the path is taken. That is what
 * a deployed isolate's 128 MB limit counts (V8 collects garbage before it gives up on an allocation), and the worker's
 * Durable Objects run in the same isolate. A path busy without a break (rehydration) lets the inspector in less
 * often, so its sample count is shown with it.
 *
 * Beside it, the rise of the kernel's peak resident set of the runtime `workerd` process (`rss.ts`): an upper bound
 * that also counts garbage V8 had not collected yet, SQLite's pages, and the local R2 store, a worker of its own in
 * the same process (its isolate's heap is sampled too with `BENCH_SAMPLE_R2_STORE=1`). Wrangler's proxy process,
 * which forwards every response and which a deployed worker does not have, is read apart and shown in the log only.
 * So that neither is charged with what the product does not run, the sessions worker runs without wrangler's local
 * trace collector (`X_LOCAL_OBSERVABILITY=false`, `servers.ts`: it stores a span of every request and binding call in
 * the same process).
 *
 * First screen: the page's first paint reads `GET /api/share/:id/head`, then a large newest segment's newest entries
 * (`?newest`, `firstReadPath` in `packages/web/src/lib/segment-order.ts`), then the segments it lists, newest first
 * (`packages/web/src/lib/live.ts`). The bench reads the same routes in the same order until it holds the header
 * facts (the `session` and `model` items) and the latest turn (the last user message, every message after it, and
 * all their parts, each at its final version), and counts the bytes of those responses: each is an R2 object as
 * stored, so that is what R2 served (for `?newest`, the ranges it is cut from).
 */
import { type Item, NEWEST_ENTRIES_BYTES } from "@shareroom/shared";
import WebSocket from "ws";
import { firstReadPath, newestFirst, segmentPath } from "../../../packages/web/src/lib/segment-order.ts";
import { Sessions } from "../api.ts";
import { generateSession } from "../generate.ts";
import { HeapProbe } from "../heap.ts";
import { now } from "../measure.ts";
import { peakAbove, residentBytes, runtimePids, workerdPids } from "../rss.ts";

/** Tool outputs this many times larger than the default session's: about 9 KB per part. */
const OUTPUT_SCALE = 10;
/** Item JSON per part at {@link OUTPUT_SCALE}, measured on the generator (bytes), to size a session. */
const BYTES_PER_PART = 9.4 * 1024;

export interface MemoryOperation {
  name: string;
  /**
   * The most the worker isolate held at once (used heap + ArrayBuffer backing stores, each reading taken right after
   * a garbage collection) above its level at the operation's start (bytes; `HeapProbe.heldDuring`): the figure
   * checked against the target.
   */
  heldBytes: number;
  /** Readings {@link heldBytes} is the highest of. */
  samples: number;
  /**
   * Peak of the local R2 store's isolate (`r2:bucket`) above its level at the start, after a garbage collection
   * (bytes): part of the resident set that a deployed worker does not hold. `null` when it could not be sampled.
   */
  simulatorBytes: number | null;
  /**
   * Peak resident set of the runtime workerd process above the one at the operation's start (bytes; `rss.ts`): an
   * upper bound (SQLite's pages, the local R2 store and garbage not yet collected count too), shown, not checked.
   */
  residentBytes: number;
  /**
   * The same for wrangler's proxy workerd process (bytes; `rss.ts`): it forwards every response, and a deployed
   * worker has none, so it is shown, not checked.
   */
  proxyBytes: number;
  ms: number;
}

export interface FirstScreen {
  /** Bytes of the head and segment responses read (each an R2 object). */
  bytes: number;
  /** Head + segments read. */
  reads: number;
  /** Segments the head listed. */
  segments: number;
  /** Bytes of the item JSON the first screen shows (the header facts and the latest turn). */
  shownBytes: number;
  /** Whether every first-screen key was found at its final version (false: the bench read everything). */
  complete: boolean;
}

export interface MemoryRun {
  label: string;
  targetMiB: number;
  parts: number;
  syncs: number;
  liveBytes: number;
  /** Resident set of the sessions worker's workerd processes before the replay (bytes). */
  residentBefore: number;
  operations: MemoryOperation[];
  firstScreen: FirstScreen;
}

/** The sizes to run (MiB): `BENCH_MEMORY_MIB=40,200,500`. */
export function memorySizes(): number[] {
  const value = process.env.BENCH_MEMORY_MIB ?? "40,200,500";
  return value
    .split(",")
    .map(Number)
    .filter((size) => size > 0);
}

/** Reads a response body to its end, dropping it (the bench holds nothing of it). Returns its byte length. */
async function drain(response: Response): Promise<number> {
  if (!response.ok) throw new Error(`${response.url} answered ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  return bytes;
}

/** The keys of the first screen in `final`: `session`, `model`, and the latest turn's messages and their parts. */
function firstScreenKeys(final: Map<string, Item>): string[] {
  const messages = [...final.values()]
    .filter((item) => item.type === "message")
    .map((item) => item.data as { id: string; role: string; time: { created: number } })
    .sort((a, b) => a.time.created - b.time.created || (a.id < b.id ? -1 : 1));
  const lastUser = messages.findLastIndex((message) => message.role === "user");
  const turn = new Set(messages.slice(Math.max(0, lastUser)).map((message) => message.id));
  const keys = ["session", "model"].filter((key) => final.has(key));
  for (const [key, item] of final) {
    if (item.type === "message" && turn.has((item.data as { id: string }).id)) keys.push(key);
    if (item.type === "part" && turn.has((item.data as { messageID: string }).messageID)) keys.push(key);
  }
  return keys;
}

/**
 * Connects to the legacy `/share_poll` of `share` and reads its replay of every stored key: a sync of the `session`
 * item with a marker title is sent once the socket is open, and the replay has ended when that title arrives (the
 * room sends in order). Returns the messages and bytes read before it. Errors: a socket error or a close first.
 */
async function legacyReplay(
  sessions: Sessions,
  share: { id: string; secret: string },
  session: Item,
): Promise<{ messages: number; bytes: number }> {
  const marker = `replayed ${share.id}`;
  const socket = new WebSocket(`${sessions.origin.replace(/^http/, "ws")}/share_poll?id=${share.id}`);
  try {
    return await new Promise((resolve, reject) => {
      let messages = 0;
      let bytes = 0;
      socket.on("message", (data: Buffer) => {
        const text = data.toString();
        if (text.includes(marker)) resolve({ messages, bytes });
        messages++;
        bytes += data.byteLength;
      });
      socket.once("error", reject);
      socket.once("close", (code) => reject(new Error(`/share_poll closed (${code}) before its replay ended`)));
      socket.once("open", () => {
        const touched = { ...session, data: { ...(session.data as object), title: marker } } as Item;
        sessions.sync(share, Sessions.syncBody(share, [touched])).catch(reject);
      });
    });
  } finally {
    socket.removeAllListeners("close");
    socket.close();
  }
}

/** Reads the head and then segments newest first, as the page does, until the first screen is complete. */
async function readFirstScreen(origin: string, id: string, final: Map<string, Item>): Promise<FirstScreen> {
  const wanted = new Set(firstScreenKeys(final));
  const shownBytes = [...wanted].reduce((sum, key) => sum + Buffer.byteLength(JSON.stringify(final.get(key))), 0);
  const seen = new Set<string>();
  const take = (entries: { key: string; item?: Item; ref?: unknown; removed?: boolean }[]) => {
    for (const entry of entries) {
      if (seen.has(entry.key)) continue;
      // Newest first: the first entry read for a key is its winner.
      seen.add(entry.key);
      const matches = entry.ref !== undefined || JSON.stringify(entry.item) === JSON.stringify(final.get(entry.key));
      if (matches) wanted.delete(entry.key);
    }
  };
  const headResponse = await fetch(`${origin}/api/share/${id}/head`);
  const headText = await headResponse.text();
  const base = `/api/share/${id}`;
  const head = JSON.parse(headText) as {
    segments: { name: string; lo: number; hi: number; bytes: number }[];
    tail: { key: string; seq: number; item?: Item }[];
  };
  let bytes = Buffer.byteLength(headText);
  let reads = 1;
  take([...head.tail].sort((a, b) => b.seq - a.seq));
  const order = head.segments.map((segment) => ({ ...segment, path: segmentPath(base, segment.name) }));
  order.sort(newestFirst);
  // A large newest segment's newest entries first, as the page reads them.
  if (order[0]) order.unshift({ ...order[0], path: firstReadPath(base, order[0]) });
  for (const segment of order) {
    if (wanted.size === 0) break;
    const response = await fetch(`${origin}${segment.path}`);
    const text = await response.text();
    if (!response.ok) throw new Error(`${segment.name} answered ${response.status}`);
    // `?newest` is cut from ranged reads of the segment's last 256 KiB (and of its last 1 MiB when that held too few
    // entries, as an answer over 256 KiB shows): what R2 served is those ranges, not the answer.
    const served = Buffer.byteLength(text);
    bytes += !segment.path.endsWith("?newest")
      ? served
      : served <= NEWEST_ENTRIES_BYTES
        ? NEWEST_ENTRIES_BYTES
        : 5 * NEWEST_ENTRIES_BYTES;
    reads++;
    const entries = (JSON.parse(text) as { entries: { key: string; seq: number; item?: Item }[] }).entries;
    take(entries.sort((a, b) => b.seq - a.seq));
  }
  return { bytes, reads, segments: head.segments.length, shownBytes, complete: wanted.size === 0 };
}

/**
 * Runs the suite on the sessions worker at `sessions`: its isolate measured through its inspector on
 * `inspectorPort`, and the workerd processes of its server's process group `group`.
 */
export async function runMemory(
  sessions: Sessions,
  group: number,
  inspectorPort: number,
  sizes: number[],
  log: (line: string) => void,
): Promise<MemoryRun[]> {
  const heap = await HeapProbe.connect(inspectorPort);
  // Opt-in: finding workerd's inspector socket sends an HTTP request to each socket the process listens on, and one
  // of them speaks Cap'n Proto (the debug port), which logs a broken RPC connection.
  const simulator =
    process.env.BENCH_SAMPLE_R2_STORE === "1"
      ? await HeapProbe.connectIsolate(workerdPids(group), "r2:bucket").catch((error: unknown) => {
          log(
            `  the local R2 store's isolate is not sampled: ${error instanceof Error ? error.message : String(error)}`,
          );
          return null;
        })
      : null;
  try {
    return await runSizes(sessions, group, heap, simulator, sizes, log);
  } finally {
    heap.close();
    simulator?.close();
  }
}

async function runSizes(
  sessions: Sessions,
  group: number,
  heap: HeapProbe,
  simulator: HeapProbe | null,
  sizes: number[],
  log: (line: string) => void,
): Promise<MemoryRun[]> {
  if (runtimePids(group).length === 0) throw new Error(`no runtime workerd process in process group ${group}`);
  // A first share through every path, unmeasured: the runtime's own warm-up (code loaded and compiled, the first
  // Durable Object and SQLite database opened, the heap grown to its working size) is no storage path's memory.
  const warm = generateSession({ parts: 300, seed: 9, outputScale: OUTPUT_SCALE });
  const warmShare = await sessions.create(warm.sessionID);
  for (const batch of warm.batches) await sessions.sync(warmShare, Sessions.syncBody(warmShare, batch));
  await sessions.flush(warmShare.id);
  for (const path of [
    `/api/share/${warmShare.id}/data`,
    `/api/share/${warmShare.id}/snapshot`,
    `/share_data?id=${warmShare.id}`,
  ]) {
    await drain(await fetch(sessions.origin + path));
  }
  await sessions.compact(warmShare.id);
  await sessions.sync(warmShare, Sessions.syncBody(warmShare, [warm.final.get("session")!]));
  const runs: MemoryRun[] = [];
  for (const [index, targetMiB] of sizes.entries()) {
    const parts = Math.round((targetMiB * 1024 * 1024) / BYTES_PER_PART);
    let t = now();
    const session = generateSession({ parts, seed: 10 + index, outputScale: OUTPUT_SCALE });
    const liveBytes = session.liveBytesAfter.at(-1)!;
    log(
      `  ${targetMiB} MiB: generated ${parts} parts, ${(liveBytes / 2 ** 20).toFixed(0)} MiB live, ` +
        `${session.batches.length} batches (${((now() - t) / 1000).toFixed(0)} s)`,
    );
    // Generating a large session blocks this process for longer than the server keeps an idle connection open; a
    // request on that stale socket fails (a POST is not retried), so one GET drops it first.
    await fetch(`${sessions.origin}/api/health`)
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
    const share = await sessions.create(session.sessionID);
    const operations: MemoryOperation[] = [];
    // A cheap request: an idle isolate runs the inspector's garbage collection only when it next handles one.
    const poke = () => fetch(`${sessions.origin}/api/health`).then((response) => response.arrayBuffer());
    const measure = async <T>(name: string, task: () => Promise<T>): Promise<T> => {
      const started = now();
      let resident = 0;
      let proxy = 0;
      let simulatorBytes: number | null = null;
      const measured = async () => {
        const outcome = await peakAbove(group, task);
        resident = outcome.bytes;
        proxy = outcome.proxyBytes;
        return outcome.result;
      };
      const { bytes, samples, result } = await heap.heldDuring(async () => {
        if (!simulator) return measured();
        const sampled = await simulator.peakDuring(measured);
        simulatorBytes = sampled.bytes;
        return sampled.result;
      }, poke);
      operations.push({
        name,
        heldBytes: bytes,
        samples,
        simulatorBytes,
        residentBytes: resident,
        proxyBytes: proxy,
        ms: now() - started,
      });
      const mib = (value: number) => (value / 2 ** 20).toFixed(1);
      log(
        `    ${name}: isolate held +${mib(bytes)} MiB (${samples} samples after a GC); workerd resident set ` +
          `+${mib(resident)} MiB (wrangler's proxy +${mib(proxy)} MiB)` +
          `${simulatorBytes === null ? "" : `, local R2 store's isolate +${mib(simulatorBytes)} MiB`} (${((now() - started) / 1000).toFixed(1)} s)`,
      );
      return result;
    };
    const residentBefore = residentBytes(group);
    // A flush after every batch, as the 1 s alarm flushes when the CLI sends a batch a second: the segments R2
    // holds are then those of a real session, not of one compressed into a minute.
    await measure("replay: syncs and their flushes", async () => {
      for (const batch of session.batches) {
        await sessions.sync(share, Sessions.syncBody(share, batch));
        await sessions.flush(share.id);
      }
    });
    t = now();
    const firstScreen = await readFirstScreen(sessions.origin, share.id, session.final);
    log(
      `    first screen: ${(firstScreen.bytes / 2 ** 20).toFixed(2)} MiB from R2 in ${firstScreen.reads} reads ` +
        `(${firstScreen.segments} segments listed; ${(firstScreen.shownBytes / 1024).toFixed(0)} KiB shown` +
        `${firstScreen.complete ? "" : "; INCOMPLETE"})`,
    );
    await measure("GET /data", async () => drain(await fetch(`${sessions.origin}/api/share/${share.id}/data`)));
    await measure("GET /snapshot", async () => drain(await fetch(`${sessions.origin}/api/share/${share.id}/snapshot`)));
    await measure("GET /share_data (legacy)", async () =>
      drain(await fetch(`${sessions.origin}/share_data?id=${share.id}`)),
    );
    await measure("idle compaction", () => sessions.compact(share.id));
    const session0 = session.final.get("session")!;
    const touched = {
      ...session0,
      data: { ...(session0.data as object), title: "after the nap" },
    } as Item;
    await measure("rehydration (the next sync)", () => sessions.sync(share, Sessions.syncBody(share, [touched])));
    const replayed = await measure("legacy /share_poll connect (its replay)", () =>
      legacyReplay(sessions, share, session0),
    );
    log(`    legacy replay: ${replayed.messages} messages, ${(replayed.bytes / 2 ** 20).toFixed(1)} MiB`);
    await measure("delete", async () => {
      const response = await fetch(`${sessions.origin}/api/share/${share.id}`, {
        method: "DELETE",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ secret: share.secret }),
      });
      if (!response.ok) throw new Error(`DELETE answered ${response.status}`);
      await response.arrayBuffer();
    });
    const gone = await fetch(`${sessions.origin}/api/share/${share.id}/data`);
    await gone.arrayBuffer();
    if (gone.status !== 404) throw new Error(`GET /data answered ${gone.status} after the delete`);
    runs.push({
      label: `${targetMiB} MiB share`,
      targetMiB,
      parts,
      syncs: session.batches.length,
      liveBytes,
      residentBefore,
      operations,
      firstScreen,
    });
  }
  return runs;
}
