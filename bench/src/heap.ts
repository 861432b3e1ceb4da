/**
 * The JavaScript memory of a worker under `wrangler dev`, read through its inspector (the V8 inspector protocol that
 * workerd serves on `--inspector-port`): `Runtime.getHeapUsage` gives the isolate's used heap and the bytes of its
 * ArrayBuffer backing stores (where a worker's `Uint8Array`s live). The worker's Durable Objects run in the same
 * isolate; the local R2 store and SQLite do not. This is what a deployed isolate's 128 MB limit counts.
 * Protocol: https://chromedevtools.github.io/devtools-protocol/tot/Runtime/#method-getHeapUsage
 *
 * The local R2 store is a worker of its own in the same workerd process (Miniflare's `r2:bucket`), reachable only on
 * workerd's own inspector socket, which wrangler opens on a port of its choosing: {@link HeapProbe.connectIsolate}
 * finds it from the process's listening sockets (`/proc/<pid>/fd` and `/proc/net/tcp`, proc(5)), asking each for
 * `/json/list` — which also sends that request to workerd's Cap'n Proto debug port, so callers make it opt-in.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import WebSocket from "ws";

interface HeapUsage {
  usedSize: number;
  backingStorageSize?: number;
}

/** A connection to one worker's inspector. */
export class HeapProbe {
  private next = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on("message", (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id === undefined) return;
      this.waiting.get(message.id)?.(message.result);
      this.waiting.delete(message.id);
    });
  }

  /** Connects to the inspector on loopback port `port`. */
  static async connect(port: number): Promise<HeapProbe> {
    return HeapProbe.open(`ws://127.0.0.1:${port}/ws`);
  }

  /**
   * Connects to isolate `name` (a workerd service name, e.g. `r2:bucket`) on the inspector socket of one of the
   * workerd processes `pids`. Errors: when no listening socket of theirs lists that isolate.
   */
  static async connectIsolate(pids: number[], name: string): Promise<HeapProbe> {
    for (const port of listeningPorts(pids)) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(2_000) });
        const list = (await response.json()) as { id?: string }[];
        if (Array.isArray(list) && list.some((target) => target.id === name)) {
          return await HeapProbe.open(`ws://127.0.0.1:${port}/${name}`);
        }
      } catch {
        // Not an inspector socket.
      }
    }
    throw new Error(`no inspector of workerd processes ${pids.join(", ")} lists isolate ${name}`);
  }

  private static async open(url: string): Promise<HeapProbe> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const probe = new HeapProbe(socket);
    // `HeapProfiler.collectGarbage` answers only once the domain is enabled.
    await probe.call("HeapProfiler.enable");
    return probe;
  }

  /** Sends one inspector protocol command and resolves with its result. Errors: no answer within `timeoutMs`. */
  call<T>(method: string, timeoutMs = 30_000, params?: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), timeoutMs);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result as T);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Bytes the isolate holds now: used heap plus ArrayBuffer backing stores. */
  async held(): Promise<number> {
    const usage = await this.call<HeapUsage>("Runtime.getHeapUsage", 5_000);
    return usage.usedSize + (usage.backingStorageSize ?? 0);
  }

  /**
   * Collects garbage (`collected`: whether the inspector did), then runs `task` while sampling {@link held} every `everyMs`; returns the highest sample above
   * the first (bytes) with the task's result. Garbage made during the task counts until V8 collects it, so this is an
   * upper bound on what the task held at once; a peak between two samples can be missed.
   */
  async peakDuring<T>(task: () => Promise<T>, everyMs = 10): Promise<{ bytes: number; collected: boolean; result: T }> {
    // Best effort: the inspector proxy of `wrangler dev` does not always answer it (the start then counts garbage).
    const collected = await this.call("HeapProfiler.collectGarbage", 5_000).then(
      () => true,
      () => false,
    );
    const start = await this.held();
    let peak = start;
    let running = true;
    const sampling = (async () => {
      while (running) {
        // A sample the inspector does not answer in time is skipped: a busy isolate must not end the run.
        peak = Math.max(peak, await this.held().catch(() => peak));
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    })();
    try {
      const result = await task();
      return { bytes: Math.max(0, peak - start), collected, result };
    } finally {
      running = false;
      await sampling;
    }
  }

  /**
   * Runs `task` while, every `everyMs`, collecting garbage and then reading {@link held}: the highest of those
   * samples above the level after a first collection is the most the task held at once, garbage excluded (bytes),
   * to within what lives between two samples. Each collection is a full GC of the isolate (tens of ms on a large
   * heap), so the task runs slower while measured. `samples` counts the collections the inspector answered.
   */
  async heldDuring<T>(
    task: () => Promise<T>,
    poke: () => Promise<unknown>,
    everyMs = 100,
  ): Promise<{ bytes: number; samples: number; result: T }> {
    const collect = () => this.collect(poke);
    await collect();
    const start = await this.held();
    let peak = start;
    let samples = 0;
    let running = true;
    const sample = async () => {
      if (!(await collect())) return;
      samples++;
      peak = Math.max(peak, await this.held().catch(() => peak));
    };
    const sampling = (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, everyMs));
        if (running) await sample();
      }
    })();
    try {
      const result = await task();
      return { bytes: Math.max(0, peak - start), samples, result };
    } finally {
      running = false;
      await sampling;
    }
  }

  /**
   * A full garbage collection; false when the inspector did not answer within 10 s. V8 runs the collection as a task
   * of the isolate's own, which workerd runs only when the isolate next handles an event, so an idle isolate is
   * sent `poke` (a cheap request) every 50 ms until the collection is answered.
   */
  private async collect(poke: () => Promise<unknown>): Promise<boolean> {
    let answered = false;
    const collected = this.call("HeapProfiler.collectGarbage", 10_000).then(
      () => true,
      () => false,
    );
    void collected.finally(() => {
      answered = true;
    });
    while (!answered) {
      await Promise.race([collected, poke().catch(() => undefined)]);
      if (!answered) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return collected;
  }

  close(): void {
    this.socket.close();
  }
}

/** Loopback TCP ports the processes `pids` listen on (IPv4). */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: "utf8" });
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      }
    } catch {
      // The process ended.
    }
  }
  const ports: number[] = [];
  // `sl local_address rem_address st … inode`: state 0A is LISTEN; the address is hex `IP:PORT`.
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[3] === "0A" && inodes.has(fields[9] ?? "")) ports.push(Number.parseInt(fields[1]!.split(":")[1]!, 16));
  }
  return ports;
}
