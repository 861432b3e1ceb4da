/** What every transcript reader offers: lines in, the current items out (pure; no I/O). */
import type { Item } from "@shareroom/shared";

/** Options of a reader. */
export interface ReaderOptions {
  /** The agent's id of the session, from the file name; a metadata record in the file overrides it. */
  nativeId: string;
  /** Set when the transcript is a subagent's: its session becomes a child of `parentID`. */
  child?: { parentID: string; title?: string };
  /** The session's working directory, when the transcript itself does not record it (Gemini CLI). */
  cwd?: string;
  /** The CLI's version, when the transcript itself does not record it (Gemini CLI). */
  version?: string;
}

/**
 * A reader of one transcript file. Feed it complete lines in file order with {@link TranscriptReader.push}; it
 * keeps incremental state, so feeding a file a few lines at a time ends in the same items as feeding it at once.
 * A transcript that shrank or was replaced needs a fresh reader.
 */
export interface TranscriptReader {
  /** Feeds one complete line (without its newline). Lines that are not JSON objects are skipped. */
  push(line: string): void;
  /** The items the transcript maps to now: its session, then messages and parts in id order. */
  items(): Item[];
  /** The session's working directory, once the transcript named it. */
  cwd(): string | undefined;
}

/** Parses one line as a JSON object; `undefined` for anything else (blank, partial or foreign lines). */
export function parseLine(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
