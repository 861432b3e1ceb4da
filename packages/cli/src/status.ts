/** The status line `shareroom share` draws on a terminal while it follows a session. */
import pc from "picocolors";

/** The one-line status on stderr (only when it is a terminal): state, URL, items synced, items refused. */
export class StatusLine {
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly url: string;
  private last = "";

  constructor(stream: NodeJS.WritableStream & { isTTY?: boolean }, url: string) {
    this.stream = stream;
    this.url = url;
  }

  /** Draws the line again if it changed: `refusedCodes` counts the refused items by error code. */
  show(state: "live" | "idle" | "retrying", items: number, refusedCodes: Record<string, number>): void {
    if (!this.stream.isTTY) return;
    const dot = state === "live" ? pc.green("●") : state === "idle" ? pc.dim("●") : pc.yellow("●");
    const codes = Object.keys(refusedCodes);
    const refused = Object.values(refusedCodes).reduce((sum, count) => sum + count, 0);
    const skipped = refused > 0 ? `  ${pc.yellow(`${refused} refused (${codes.join(", ")})`)}` : "";
    const line = `${dot} ${state.padEnd(8)} ${this.url}  ${pc.dim(`${items} items synced`)}${skipped}`;
    if (line === this.last) return;
    this.last = line;
    this.stream.write(`\r\x1b[2K${line}`);
  }

  /** Erases the line, before other output on the terminal. */
  clear(): void {
    if (this.stream.isTTY && this.last) this.stream.write("\r\x1b[2K");
    this.last = "";
  }
}
