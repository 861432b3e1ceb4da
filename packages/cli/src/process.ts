/** Facts about processes: whether one is alive, and which process is the agent that ran a hook. */
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

/** Command name and parent of a process, from Linux's `/proc/<pid>/stat`; `undefined` elsewhere. */
function procStat(pid: number): { comm: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const open = stat.indexOf("(");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { comm: stat.slice(open + 1, close), ppid: Number(fields[1]) };
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
