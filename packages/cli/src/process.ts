/** Facts about processes: whether one is alive, when it started, and which process is the agent that ran a hook. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Whether process `pid` exists (a process we may not signal still counts). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Command name, parent and start time (clock ticks since boot) of a process, from Linux's `/proc/<pid>/stat`
 * (proc(5)); `undefined` elsewhere.
 */
function procStat(pid: number): { comm: string; ppid: number; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    // Fields after the command name, from the 3rd (state): the 4th is the parent, the 22nd the start time.
    const fields = stat.slice(close + 2).split(" ");
    return { comm: stat.slice(open + 1, close), ppid: Number(fields[1]), start: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/**
 * When process `pid` started, as an opaque string that differs between two processes that held the same pid: the
 * start time from `/proc` on Linux, else `ps -o lstart=`; `undefined` when the process is gone or neither works.
 */
export function startTime(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const stat = procStat(pid);
  if (stat) return `proc:${stat.start}`;
  if (process.platform === "win32") return undefined;
  try {
    // `lstart` is a local date in the locale's words: fixed, so the same process reads the same from any shell.
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      stdio: "pipe",
      env: { ...process.env, LC_ALL: "C", TZ: "UTC" },
    }).trim();
    return out ? `ps:${out}` : undefined;
  } catch {
    return undefined;
  }
}

const WRAPPERS = new Set(["sh", "bash", "dash", "zsh", "fish", "env", "npm", "npx", "npm exec"]);

/**
 * The agent process that started this one: the parent, skipping shells and npm wrappers between the agent and
 * its hook command (Linux; elsewhere the parent).
 */
export function agentProcess(start = process.ppid): number {
  let pid = start;
  for (let depth = 0; depth < 8; depth++) {
    const stat = procStat(pid);
    if (!stat || !WRAPPERS.has(stat.comm) || stat.ppid <= 1) return pid;
    pid = stat.ppid;
  }
  return pid;
}
