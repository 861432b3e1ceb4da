/**
 * Reads the share's older segments off the main thread (see lib/segments.ts): fetching, parsing and checking a
 * segment of up to 8 MiB takes longer than a keystroke may wait, so it happens here, and the entries go to the page
 * in small chunks, each one message (received in a task of its own), between which the page answers the reader.
 */
import { fetchSegment } from "./head";
import type { SegmentReply, SegmentRequest } from "./segments";

/** Entries per chunk: receiving 200 entries takes the page a few ms. */
const CHUNK_ENTRIES = 200;

const reply = (message: SegmentReply) => postMessage(message);

self.onmessage = async (event: MessageEvent<SegmentRequest>) => {
  const { ticket, id, segment } = event.data;
  try {
    const read = await fetchSegment(id, segment);
    if (read === "gone") {
      reply({ ticket, type: "gone" });
      return;
    }
    for (let start = 0; start < read.entries.length; start += CHUNK_ENTRIES) {
      reply({ ticket, type: "entries", entries: read.entries.slice(start, start + CHUNK_ENTRIES) });
    }
    reply({ ticket, type: "done", lo: read.lo, hi: read.hi });
  } catch (error) {
    reply({ ticket, type: "failed", message: error instanceof Error ? error.message : String(error) });
  }
};
