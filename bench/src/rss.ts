/**
 * Memory of a local runtime, as the kernel counts it: the resident set of every `workerd` process in a server's
 * process group (`/proc/<pid>/status`: `VmRSS` now, `VmHWM` its peak). Writing `5` to `/proc/<pid>/clear_refs`
 * resets the peak to the current resident set (proc(5), https://man7.org/linux/man-pages/man5/proc.5.html), so the
 * peak over one operation can be read without sampling.
 *
 * `wrangler dev` runs two long-lived `workerd` processes: the runtime (the worker, its Durable Objects and SQLite,
 * the local R2 store; the one started with `--inspector-addr`) and its proxy (wrangler's ProxyWorker, on the port the
 * worker is served on, forwarding every request and response to the runtime). A deployed worker has no such proxy,
 * and the proxy's resident set rises by about a response's size for every large response it forwards, so the two are
 * counted apart.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

/** The `workerd` processes whose process group is `group` (the pid of a server started in its own group). */
export function workerdPids(group: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // `pid (comm) state ppid pgrp …`: comm may hold spaces, so split after its closing parenthesis.
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm === "workerd" && Number(fields[2]) === group) pids.push(Number(name));
    } catch {
      // The process ended while the list was read.
    }
  }
  return pids;
}

/** Whether workerd process `pid` is the runtime of `wrangler dev` rather than its proxy (see the module doc). */
function isRuntime(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8")
      .split("\0")
      .some((arg) => arg.startsWith("--inspector-addr"));
  } catch {
    return false;
  }
}

/** The runtime workerd process(es) of process group `group`: not wrangler's proxy (see the module doc). */
export function runtimePids(group: number): number[] {
  return workerdPids(group).filter(isRuntime);
}

/** A status field in bytes (`VmRSS`, `VmHWM`), summed over `pids`. */
function statusBytes(pids: number[], field: "VmRSS" | "VmHWM"): number {
  let total = 0;
  for (const pid of pids) {
    let status = "";
    try {
      status = readFileSync(`/proc/${pid}/status`, "utf8");
    } catch {
      // The process ended (wrangler runs short-lived workerd processes beside the server's).
      continue;
    }
    const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
    total += Number(kib ?? 0) * 1024;
  }
  return total;
}

/**
 * Runs `task` and returns what the resident set of the runtime workerd process of process group `group` rose to
 * above where it stood when the task started (`bytes`; 0 when it never rose), the same for its other workerd
 * processes (`proxyBytes`: wrangler's proxy, see the module doc), and the task's result. An upper bound on what the
 * task held at once: it also counts garbage the runtime had not collected yet, SQLite's pages, and the local R2
 * store, which lives in the runtime's process.
 */
export async function peakAbove<T>(
  group: number,
  task: () => Promise<T>,
): Promise<{ bytes: number; proxyBytes: number; result: T }> {
  const pids = workerdPids(group);
  for (const pid of pids) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, "5");
    } catch {
      // The process ended.
    }
  }
  const runtime = pids.filter(isRuntime);
  const proxy = pids.filter((pid) => !runtime.includes(pid));
  const before = { runtime: statusBytes(runtime, "VmRSS"), proxy: statusBytes(proxy, "VmRSS") };
  const result = await task();
  return {
    bytes: Math.max(0, statusBytes(runtime, "VmHWM") - before.runtime),
    proxyBytes: Math.max(0, statusBytes(proxy, "VmHWM") - before.proxy),
    result,
  };
}

/** The resident set of the runtime workerd process of process group `group` now (bytes). */
export function residentBytes(group: number): number {
  return statusBytes(runtimePids(group), "VmRSS");
}
