/**
 * The page side of the segment worker (segment.worker.ts): reads one segment of a share at a time and hands its
 * entries over in chunks, so that parsing and receiving an old segment of 8 MiB never holds the main thread for long;
 * the page applies it when the reader is not typing (live.ts).
 */
import { LoadError } from "./api";
import type { SegmentRef } from "./head";
import type { StoredEntry } from "./share-store";

/** What the page asks the segment worker: read `segment` of share `id`. */
export interface SegmentRequest {
  ticket: number;
  id: string;
  segment: SegmentRef;
}

/** What the segment worker answers for request `ticket`: chunks of entries, then `done`, `gone` or `failed`. */
export type SegmentReply =
  | { ticket: number; type: "entries"; entries: StoredEntry[] }
  | { ticket: number; type: "done"; lo: number; hi: number }
  | { ticket: number; type: "gone" }
  | { ticket: number; type: "failed"; message: string };

/** A segment as read: its seq range and its entries in chunks, each small enough to apply in a few ms. */
export interface SegmentChunks {
  lo: number;
  hi: number;
  chunks: StoredEntry[][];
}

/**
 * The segment worker itself failed (its script did not load, say after a redeploy removed the hashed chunk under an
 * open page, or a reply could not be received), as opposed to the segment it was reading: the page reads the
 * segment on its main thread instead.
 */
export class SegmentWorkerError extends LoadError {}

/**
 * Starts a segment worker. `read(id, segment)` resolves with the segment's entries in chunks (each chunk received in
 * a task of its own), or `"gone"` (404 `segment_not_found`: compaction replaced it); it rejects with
 * {@link LoadError} when the segment cannot be read, and with {@link SegmentWorkerError} when the worker failed
 * (every later read then rejects at once with it too). `close()` ends the worker; a read still going on then never
 * settles. Throws what `new Worker` throws (no module workers, say).
 */
export function createSegmentReader() {
  const worker = new Worker(new URL("./segment.worker.ts", import.meta.url), { type: "module" });
  let broken: SegmentWorkerError | undefined;
  let tickets = 0;
  let current:
    | {
        ticket: number;
        chunks: StoredEntry[][];
        settle: (result: SegmentChunks | "gone") => void;
        fail: (error: LoadError) => void;
      }
    | undefined;
  worker.onmessage = (event: MessageEvent<SegmentReply>) => {
    const message = event.data;
    if (!current || message.ticket !== current.ticket) return;
    if (message.type === "entries") {
      current.chunks.push(message.entries);
      return;
    }
    const { chunks, settle, fail } = current;
    current = undefined;
    if (message.type === "done") settle({ lo: message.lo, hi: message.hi, chunks });
    else if (message.type === "gone") settle("gone");
    else fail(new LoadError(message.message));
  };
  const breakDown = (reason: string) => {
    broken ??= new SegmentWorkerError(reason);
    const pending = current;
    current = undefined;
    worker.terminate();
    pending?.fail(broken);
  };
  // An error event reaches the page when the script fails to load or throws outside its message handler.
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    breakDown(`segment worker failed: ${event.message || "its script did not load"}`);
  };
  worker.onmessageerror = () => breakDown("segment worker reply could not be received");
  return {
    read(id: string, segment: SegmentRef) {
      return new Promise<SegmentChunks | "gone">((settle, fail) => {
        if (broken) {
          fail(broken);
          return;
        }
        current = { ticket: ++tickets, chunks: [], settle, fail };
        worker.postMessage({ ticket: current.ticket, id, segment } satisfies SegmentRequest);
      });
    },
    close() {
      current = undefined;
      worker.terminate();
    },
  };
}
