/**
 * Reading a growing file line by line: from the last offset up to the last newline, keeping the partial last line
 * for the next read; when the file shrinks or is replaced (another inode), the caller starts over. A file that is
 * gone (archived, deleted) is only reported missing: what was read from it stays valid.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * What one read found: new complete lines, that the file must be read again from the start (it was replaced or
 * shrank), or that it does not exist now (nothing read before is undone).
 */
export type TailRead = { kind: "lines"; lines: string[] } | { kind: "reset" } | { kind: "missing" };

const CHUNK_BYTES = 1 << 20;

/** Follows one file; {@link FileTail.read} is synchronous and cheap when nothing changed (one `stat`). */
export class FileTail {
  private offset = 0;
  private inode: number | undefined;
  private partial = "";
  private decoder = new StringDecoder("utf8");

  /** The followed file. */
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Reads what was appended since the last call. */
  read(): TailRead {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(this.path);
    } catch {
      // Codex archives a rollout by moving it away, and users delete transcripts: neither takes back what was shown.
      return { kind: "missing" };
    }
    if (this.inode !== undefined && (stat.ino !== this.inode || stat.size < this.offset)) return this.restart();
    this.inode = stat.ino;
    if (stat.size === this.offset) return { kind: "lines", lines: [] };
    let fd: number;
    try {
      fd = openSync(this.path, "r");
    } catch {
      // Gone or unreadable between stat and open: the next read sees which.
      return { kind: "lines", lines: [] };
    }
    let text = "";
    try {
      if (fstatSync(fd).ino !== this.inode) return this.restart();
      const buffer = Buffer.alloc(CHUNK_BYTES);
      for (;;) {
        const read = readSync(fd, buffer, 0, CHUNK_BYTES, this.offset);
        if (read <= 0) break;
        this.offset += read;
        text += this.decoder.write(buffer.subarray(0, read));
      }
    } finally {
      closeSync(fd);
    }
    const all = this.partial + text;
    const end = all.lastIndexOf("\n");
    if (end < 0) {
      this.partial = all;
      return { kind: "lines", lines: [] };
    }
    this.partial = all.slice(end + 1);
    return { kind: "lines", lines: all.slice(0, end).split("\n") };
  }

  private restart(): TailRead {
    this.offset = 0;
    this.inode = undefined;
    this.partial = "";
    this.decoder = new StringDecoder("utf8");
    return { kind: "reset" };
  }
}
