/**
 * A viewer process for the fan-out suite: holds many WebSockets (the `ws` client) and records when each message
 * arrives on the shared clock (`now()` of measure.ts), so the sending process is never the one receiving. Driven
 * over IPC by {@link ViewerPool}:
 *
 * | parent → child | child → parent |
 * |---|---|
 * | `{op: "clock", t}` | `{op: "clock", t, child}`: the child's clock reading, for the offset estimate |
 * | `{op: "open", group, urls, waitFor, forward}` | `{op: "opened", group}` once every socket is open (and, for `"ready"`, has received the `ready` message) |
 * | — | `{op: "round", group, k}` when every socket of `group` has received its `k`-th message after opening |
 * | — | `{op: "text", group, k, text}`: the `k`-th message of the group's first socket, when `forward` |
 * | `{op: "collect", group}` | `{op: "samples", group, arrivals, bytes}`: arrival times per socket per message |
 * | `{op: "close", group}` | `{op: "closed", group}` |
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { now } from "./measure.ts";

interface Group {
  sockets: WebSocket[];
  /** arrivals[socket][k-1]: when socket got its k-th message after opening (ms, shared clock). */
  arrivals: number[][];
  bytes: number[];
  /** How many sockets have received at least k messages, by k. */
  reached: Map<number, number>;
  forward: boolean;
}

type Command =
  | { op: "clock"; t: number }
  | { op: "open"; group: string; urls: string[]; waitFor: "open" | "ready"; forward: boolean }
  | { op: "collect"; group: string }
  | { op: "close"; group: string };

type Report =
  | { op: "clock"; t: number; child: number }
  | { op: "opened"; group: string }
  | { op: "round"; group: string; k: number }
  | { op: "text"; group: string; k: number; text: string }
  | { op: "samples"; group: string; arrivals: number[][]; bytes: number[] }
  | { op: "closed"; group: string }
  | { op: "error"; message: string };

/** A report with the index of the process that sent it. */
type Sourced = Report & { from: number };

/** Sockets opened at once per process; more makes the runtime queue upgrades and gains nothing. */
const OPEN_CONCURRENCY = 50;

function child(): void {
  const groups = new Map<string, Group>();
  const send = (report: Report) => process.send!(report);

  const openOne = (name: string, group: Group, index: number, url: string, waitFor: "open" | "ready") =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      let live = waitFor === "open";
      ws.on("open", () => {
        if (live) resolve();
      });
      ws.on("error", reject);
      ws.on("message", (data: Buffer) => {
        const at = now();
        if (!live) {
          // Catch-up before `ready` is not part of the measurement. Every server message starts with its type, so
          // this cannot match an item whose own `type` is "ready".
          if (data.toString().startsWith('{"type":"ready"')) {
            live = true;
            resolve();
          }
          return;
        }
        const arrivals = group.arrivals[index]!;
        arrivals.push(at);
        const k = arrivals.length;
        if (index === 0) group.bytes.push(data.byteLength);
        if (index === 0 && group.forward) send({ op: "text", group: name, k, text: data.toString() });
        const count = (group.reached.get(k) ?? 0) + 1;
        group.reached.set(k, count);
        if (count === group.sockets.length) {
          group.reached.delete(k);
          send({ op: "round", group: name, k });
        }
      });
      group.sockets[index] = ws;
    });

  process.on("message", async (command: Command) => {
    try {
      switch (command.op) {
        case "clock":
          send({ op: "clock", t: command.t, child: now() });
          return;
        case "open": {
          const group: Group = {
            sockets: [],
            arrivals: command.urls.map(() => []),
            bytes: [],
            reached: new Map(),
            forward: command.forward,
          };
          groups.set(command.group, group);
          for (let i = 0; i < command.urls.length; i += OPEN_CONCURRENCY) {
            await Promise.all(
              command.urls
                .slice(i, i + OPEN_CONCURRENCY)
                .map((url, j) => openOne(command.group, group, i + j, url, command.waitFor)),
            );
          }
          send({ op: "opened", group: command.group });
          return;
        }
        case "collect": {
          const group = groups.get(command.group)!;
          send({ op: "samples", group: command.group, arrivals: group.arrivals, bytes: group.bytes });
          return;
        }
        case "close": {
          const group = groups.get(command.group);
          await Promise.all(
            (group?.sockets ?? []).map(
              (ws) =>
                new Promise<void>((resolve) => {
                  if (ws.readyState === WebSocket.CLOSED) return resolve();
                  ws.once("close", () => resolve());
                  ws.close(1000);
                  setTimeout(() => {
                    ws.terminate();
                    resolve();
                  }, 2000).unref();
                }),
            ),
          );
          groups.delete(command.group);
          send({ op: "closed", group: command.group });
          return;
        }
      }
    } catch (error) {
      send({ op: "error", message: String(error) });
    }
  });
  process.on("disconnect", () => process.exit(0));
}

/** Samples of one group after {@link ViewerPool.collect}: arrival times on the parent's clock. */
export interface GroupSamples {
  /** arrivals[viewer][k-1], offset-corrected. */
  arrivals: number[][];
  /** Size of each message (bytes), as the first viewer got it. */
  bytes: number[];
}

/**
 * Viewer processes driven from the bench process. Sockets of a group are spread evenly over the processes.
 */
export class ViewerPool {
  private readonly waiters: { match: (report: Sourced) => boolean; resolve: (report: Report) => void }[] = [];
  private readonly rounds = new Map<string, Map<number, number>>();
  private readonly texts = new Map<string, Map<number, string>>();
  private readonly groupChildren = new Map<string, number[]>();
  /** Per process: its clock minus the parent's (ms), and the half round trip it was measured with. */
  readonly offsets: { offset: number; uncertainty: number }[] = [];
  private failure: Error | null = null;
  /** Conditions waited on by {@link when}, re-checked after every report. */
  private readonly checks = new Set<(failure: Error | null) => void>();

  private readonly children: ChildProcess[];

  private constructor(children: ChildProcess[]) {
    this.children = children;
    children.forEach((process, index) => {
      process.on("message", (report: Report) => this.receive(index, report));
      process.on("exit", (code) => {
        if (code !== 0 && code !== null) this.fail(new Error(`viewer process ${index} exited with ${code}`));
      });
    });
  }

  /** Starts `count` viewer processes and measures each one's clock offset. */
  static async start(count: number): Promise<ViewerPool> {
    const path = fileURLToPath(import.meta.url);
    const children = Array.from({ length: count }, () =>
      fork(path, ["--child"], { stdio: ["ignore", "inherit", "inherit", "ipc"] }),
    );
    const pool = new ViewerPool(children);
    for (let i = 0; i < count; i++) pool.offsets.push(await pool.calibrate(i));
    return pool;
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters.splice(0)) waiter.resolve({ op: "error", message: error.message });
    for (const check of [...this.checks]) check(error);
  }

  private receive(index: number, report: Report): void {
    if (report.op === "error") {
      this.fail(new Error(`viewer process ${index}: ${report.message}`));
      return;
    }
    if (report.op === "round") {
      const counts = this.rounds.get(report.group) ?? new Map<number, number>();
      counts.set(report.k, (counts.get(report.k) ?? 0) + 1);
      this.rounds.set(report.group, counts);
    }
    if (report.op === "text") {
      const texts = this.texts.get(report.group) ?? new Map<number, string>();
      texts.set(report.k, report.text);
      this.texts.set(report.group, texts);
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const waiter = this.waiters[i]!;
      if (waiter.match({ ...report, from: index })) {
        this.waiters.splice(i, 1);
        waiter.resolve(report);
        break;
      }
    }
    for (const check of [...this.checks]) check(null);
  }

  private until(match: (report: Sourced) => boolean, timeoutMs = 120_000): Promise<Report> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("viewer processes did not answer in time")), timeoutMs);
      this.waiters.push({
        match,
        resolve: (report) => {
          clearTimeout(timer);
          if (report.op === "error") reject(new Error(report.message));
          else resolve(report);
        },
      });
    });
  }

  /**
   * Estimates process `index`'s clock offset NTP-style: of 30 exchanges, the one with the shortest round trip,
   * offset = child reading − midpoint of the parent's send and receive times, uncertain by half that round trip.
   */
  private async calibrate(index: number): Promise<{ offset: number; uncertainty: number }> {
    let best = { offset: 0, uncertainty: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 30; i++) {
      const t = now();
      const answer = this.until((report) => report.op === "clock" && report.t === t);
      this.children[index]!.send({ op: "clock", t });
      const report = (await answer) as Extract<Report, { op: "clock" }>;
      const back = now();
      const half = (back - t) / 2;
      if (half < best.uncertainty) best = { offset: report.child - (t + half), uncertainty: half };
    }
    return best;
  }

  /** Opens one socket per URL, spread over the processes; resolves when all are open (or `ready`). */
  async open(group: string, urls: string[], waitFor: "open" | "ready", forwardFirst = false): Promise<void> {
    const used: number[] = [];
    const opened: Promise<Report>[] = [];
    this.children.forEach((process, index) => {
      const mine = urls.filter((_, i) => i % this.children.length === index);
      if (mine.length === 0) return;
      used.push(index);
      opened.push(this.until((report) => report.op === "opened" && report.group === group && report.from === index));
      process.send({ op: "open", group, urls: mine, waitFor, forward: forwardFirst && index === 0 });
    });
    this.groupChildren.set(group, used);
    await Promise.all(opened);
  }

  /** Resolves once every socket of `group` has received its `k`-th message. */
  round(group: string, k: number, timeoutMs = 60_000): Promise<void> {
    return this.when(
      () => (this.rounds.get(group)?.get(k) ?? 0) >= (this.groupChildren.get(group)?.length ?? 0),
      `${group}: message ${k} did not reach every viewer within ${timeoutMs} ms`,
      timeoutMs,
    );
  }

  /** The `k`-th message text the group's first socket received (groups opened with `forwardFirst`). */
  async text(group: string, k: number, timeoutMs = 60_000): Promise<string> {
    await this.when(
      () => this.texts.get(group)?.has(k) === true,
      `${group}: message ${k} was not forwarded within ${timeoutMs} ms`,
      timeoutMs,
    );
    return this.texts.get(group)!.get(k)!;
  }

  /** Resolves when `done()` holds, re-checked on every report from a viewer process (never by polling). */
  private when(done: () => boolean, message: string, timeoutMs: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(message));
      }, timeoutMs);
      const check = (failure: Error | null) => {
        if (failure) {
          clearTimeout(timer);
          this.checks.delete(check);
          reject(failure);
        } else if (done()) {
          clearTimeout(timer);
          this.checks.delete(check);
          resolve();
        }
      };
      this.checks.add(check);
    });
  }

  /** Arrival times of every message of `group`, on the parent's clock. */
  async collect(group: string): Promise<GroupSamples> {
    const arrivals: number[][] = [];
    let bytes: number[] = [];
    for (const index of this.groupChildren.get(group)!) {
      const answer = this.until((report) => report.op === "samples" && report.group === group && report.from === index);
      this.children[index]!.send({ op: "collect", group });
      const report = (await answer) as Extract<Report, { op: "samples" }>;
      const offset = this.offsets[index]!.offset;
      for (const list of report.arrivals) arrivals.push(list.map((at) => at - offset));
      if (report.bytes.length > 0) bytes = report.bytes;
    }
    return { arrivals, bytes };
  }

  async close(group: string): Promise<void> {
    const closing = (this.groupChildren.get(group) ?? []).map((index) => {
      const answer = this.until((report) => report.op === "closed" && report.group === group && report.from === index);
      this.children[index]!.send({ op: "close", group });
      return answer;
    });
    await Promise.all(closing);
    this.rounds.delete(group);
    this.texts.delete(group);
    this.groupChildren.delete(group);
  }

  stop(): void {
    for (const process of this.children) {
      if (process.connected) process.disconnect();
      process.kill();
    }
  }
}

if (process.argv.includes("--child")) child();
