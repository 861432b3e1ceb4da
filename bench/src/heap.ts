/**
 * The JavaScript memory of a worker under `wrangler dev`, read through its inspector (the V8 inspector protocol that
 * workerd serves on `--inspector-port`): `Runtime.getHeapUsage` gives the isolate's used heap and the bytes of its
 * ArrayBuffer backing stores (where a worker's `Uint8Array`s live). The worker's Durable Objects run in the same
 * isolate; the local R2 store and SQLite do not. This is what a deployed isolate's 128 MB limit counts.
 * Protocol: https://chromedevtools.github.io/devtools-protocol/tot/Runtime/#method-getHeapUsage
 */
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
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const probe = new HeapProbe(socket);
    // `HeapProfiler.collectGarbage` answers only once the domain is enabled.
    await probe.call("HeapProfiler.enable");
    return probe;
  }

  private call<T>(method: string, timeoutMs = 30_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: ${method} timed out`)), timeoutMs);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result as T);
      });
      this.socket.send(JSON.stringify({ id, method }));
    });
  }

  /** Bytes the isolate holds now: used heap plus ArrayBuffer backing stores. */
  async held(): Promise<number> {
    const usage = await this.call<HeapUsage>("Runtime.getHeapUsage");
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
        peak = Math.max(peak, await this.held());
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

  close(): void {
    this.socket.close();
  }
}
