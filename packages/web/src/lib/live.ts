/**
 * Following a share live: the snapshot over HTTP, then every change over the share's WebSocket
 * (`/ws/<id>?since=<seq>`, protocol in `@shareroom/shared` live.ts), reconnecting with the highest seq applied.
 */
import type { Entry } from "@shareroom/shared";
import {
  CLOSE_SHARE_DELETED,
  CLOSE_TOO_MANY_VIEWERS,
  PING,
  PONG,
  type ServerMessage,
  ServerMessageSchema,
} from "@shareroom/shared/live";
import { WebSocket as ReconnectingWebSocket } from "partysocket";
import { createSignal, onCleanup } from "solid-js";
import { fetchBlob, fetchSnapshot, LoadError } from "./api";
import { fetchHead, fetchSegment, type SegmentRef, type ShareHead, type ShareSegment, segmentsToRead } from "./head";
import { prefetchedPath, takePrefetchedSegment } from "./prefetch";
import { firstReadPath } from "./segment-order";
import { createSegmentReader, SegmentWorkerError } from "./segments";
import { createShareStore } from "./share-store";

/**
 * What the page shows about the socket. `full`: the server refused the socket because the share, or this
 * visitor's address, has as many live viewers as it allows ({@link CLOSE_TOO_MANY_VIEWERS}); the page keeps
 * retrying with backoff.
 */
export type ConnectionState = "connecting" | "live" | "reconnecting" | "full" | "deleted";

/** Whether there is a share to show. */
export type LoadState = "loading" | "ready" | "not_found" | "error" | "deleted";

/** Heartbeat period (ms): well under the idle timeouts of common proxies; answered without waking the room. */
const HEARTBEAT_MS = 25_000;
/** An open socket that has heard nothing (not even a pong) for this long (ms) is treated as dead and replaced. */
const SILENCE_MS = 2 * HEARTBEAT_MS + 10_000;
/** After this many connection attempts in a row that never opened, the page asks whether the share still exists. */
const FAILED_OPENS_BEFORE_PROBE = 3;
/** Longest wait (ms) between snapshot reloads when the server keeps answering `reset`. */
const MAX_RESET_DELAY_MS = 30_000;
/** How many times the page reads the head again after segments it listed were replaced, before it gives up. */
const MAX_HEAD_REREADS = 5;
/** How long (ms) the reader must not have typed before an older segment is applied. */
const QUIET_MS = 400;
/** The longest typing may hold back the next segment (ms): whoever types for long still gets the whole share. */
const MAX_QUIET_WAIT_MS = 3_000;
/** Blobs (items stored by reference) fetched at once at most; the others wait their turn. */
const MAX_BLOB_LOADS = 4;

type RefEntry = Extract<Entry, { ref: unknown }>;

/** The WebSocket URL for share `id` from `since` on, on this page's origin. */
function socketUrl(id: string, since: number): string {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/${encodeURIComponent(id)}?since=${since}`;
}

/**
 * Loads share `id` and keeps it up to date until the calling component is disposed. Must run inside a Solid
 * owner. Returns the store, the load and connection states, and `retry` for the error state.
 */
export function followShare(id: string) {
  const store = createShareStore();
  const [load, setLoad] = createSignal<LoadState>("loading");
  const [connection, setConnection] = createSignal<ConnectionState>("connecting");
  /** The highest seq such that every change up to it has been applied: the `since` of the next connection. */
  let since = 0;
  let socket: ReconnectingWebSocket | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let lastHeard = 0;
  let opened = false;
  let failedOpens = 0;
  let probing = false;
  let resyncing = false;
  let resets = 0;
  let stopped = false;
  /**
   * Bumped whenever what is held is replaced wholesale (a `reset`'s snapshot) or cleared (a deletion). A read begun
   * before (an older segment, the head read again) belongs to a state that is gone and is dropped: the snapshot is
   * the whole share, and the store forgets the removals it has seen when it takes one, so an older change from such
   * a read would bring back a key removed since.
   */
  let generation = 0;

  /** `<seq>:<key>` of every ref entry queued or loading, so an entry is fetched once however often it is asked for. */
  const loading = new Set<string>();
  const queue: RefEntry[] = [];
  let activeLoads = 0;

  /** Queues the blob of a ref entry, unless it is already queued or loading. */
  function loadRef(entry: RefEntry): void {
    const tag = `${entry.seq}:${entry.key}`;
    if (loading.has(tag)) return;
    loading.add(tag);
    queue.push(entry);
    pumpLoads();
  }

  function pumpLoads(): void {
    while (activeLoads < MAX_BLOB_LOADS && queue.length > 0) {
      const entry = queue.shift()!;
      const tag = `${entry.seq}:${entry.key}`;
      // The key moved on (or the share was cleared) while this waited: its blob is not wanted any more.
      if (stopped || store.peek(entry.key)?.seq !== entry.seq) {
        loading.delete(tag);
        continue;
      }
      activeLoads++;
      fetchBlob(id, entry.ref.hash)
        .then(
          (item) => store.resolve(entry.key, entry.seq, item),
          () => store.fail(entry.key, entry.seq),
        )
        .finally(() => {
          activeLoads--;
          loading.delete(tag);
          pumpLoads();
        });
    }
  }

  /**
   * Loads the ref entries the page needs whatever is on screen: the session and messages (totals, titles and the
   * timeline read them). Parts load when their view mounts ({@link loadPart}).
   */
  function loadEager(entries: RefEntry[]): void {
    for (const entry of entries) if (!entry.key.startsWith("part/")) loadRef(entry);
  }

  /** Loads the item held under `key` if it is stored by reference and neither loaded nor failed (a part on screen). */
  function loadPart(key: string): void {
    const held = store.peek(key);
    if (!held?.ref || held.item !== null || held.failed) return;
    loadRef({ key, seq: held.seq, ref: held.ref });
  }

  /** Loads a ref entry again after a failure (the placeholder's retry button). */
  function retryRef(key: string): void {
    const held = store.peek(key);
    if (!held?.ref || held.item !== null) return;
    store.retrying(key, held.seq);
    loadRef({ key, seq: held.seq, ref: held.ref });
  }

  function markDeleted(): void {
    generation++;
    setLoad("deleted");
    setConnection("deleted");
    store.clear();
    stop();
  }

  function stop(): void {
    stopped = true;
    closeSegmentReader();
    clearInterval(heartbeat);
    socket?.close(1000, "page closed");
  }

  function handle(message: ServerMessage): void {
    switch (message.type) {
      case "changes":
        loadEager(store.apply(message.changes));
        for (const entry of message.changes) since = Math.max(since, entry.seq);
        return;
      case "removed":
        store.remove(message.removed);
        for (const removal of message.removed) since = Math.max(since, removal.seq);
        return;
      case "ready":
        since = Math.max(since, message.seq);
        resets = 0;
        setConnection("live");
        return;
      case "reset":
        void resync();
        return;
      case "deleted":
        markDeleted();
        return;
    }
  }

  function onMessage(event: MessageEvent): void {
    lastHeard = Date.now();
    if (typeof event.data !== "string" || event.data === PONG || resyncing) return;
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      return;
    }
    const parsed = ServerMessageSchema.safeParse(json);
    // A message of a kind this page does not know (a newer server) is skipped, never fatal.
    if (parsed.success) handle(parsed.data as ServerMessage);
  }

  function onOpen(): void {
    opened = true;
    failedOpens = 0;
    lastHeard = Date.now();
  }

  function onClose(event: { code: number }): void {
    if (stopped || resyncing) return;
    if (event.code === CLOSE_SHARE_DELETED) {
      markDeleted();
      return;
    }
    setConnection(event.code === CLOSE_TOO_MANY_VIEWERS ? "full" : "reconnecting");
    if (!opened) failedOpens++;
    opened = false;
    // An upgrade for a deleted share is answered 404, which a browser reports only as a failed connection.
    if (failedOpens >= FAILED_OPENS_BEFORE_PROBE) void probe();
  }

  async function probe(): Promise<void> {
    if (probing) return;
    probing = true;
    failedOpens = 0;
    try {
      if ((await fetchSnapshot(id)) === null && !stopped) markDeleted();
    } catch {
      // Unreachable server: keep reconnecting.
    } finally {
      probing = false;
    }
  }

  /**
   * After `reset`: the changes since `since` are not held by the room any more (or the share moved backwards), so
   * the page reloads the snapshot and reconnects from its seq. Repeated resets back off exponentially.
   */
  async function resync(): Promise<void> {
    if (resyncing) return;
    resyncing = true;
    setConnection("reconnecting");
    socket?.close(1000, "reloading the snapshot");
    const delay = resets === 0 ? 0 : Math.min(1000 * 2 ** resets, MAX_RESET_DELAY_MS);
    resets++;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    try {
      const snapshot = await fetchSnapshot(id);
      if (stopped) return;
      if (snapshot === null) {
        markDeleted();
        return;
      }
      generation++;
      loadEager(store.replace(snapshot.entries));
      since = snapshot.seq;
      setComplete(true);
    } catch {
      // Keep what is shown; the next connection asks from the old `since` and gets another `reset` if need be.
    } finally {
      resyncing = false;
      if (!stopped) socket?.reconnect();
    }
  }

  function connect(): void {
    socket = new ReconnectingWebSocket(() => socketUrl(id, since), undefined, {
      // A viewer only listens: nothing it sends is worth replaying after a reconnect.
      maxEnqueuedMessages: 0,
      shouldReconnectOnClose: (event) => event.code !== CLOSE_SHARE_DELETED,
    });
    socket.addEventListener("open", onOpen);
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", onClose);
    heartbeat = setInterval(() => {
      if (socket?.readyState !== ReconnectingWebSocket.OPEN) return;
      if (Date.now() - lastHeard > SILENCE_MS) socket.reconnect();
      else socket.send(PING);
    }, HEARTBEAT_MS);
  }

  /** Reads segments in a worker, started with the first segment to read and ended when the reading ends. */
  let segmentReader: ReturnType<typeof createSegmentReader> | undefined;
  /** Whether the segment worker failed (or could not start): segments are then read on the main thread. */
  let segmentWorkerFailed = false;
  /** Seq ranges (inclusive) of the segments read so far. */
  const segmentsRead: [number, number][] = [];
  /** Whether every segment the head listed has been read. */
  const [complete, setComplete] = createSignal(false);
  /**
   * The read of the newest segment, begun as soon as the head is known (before its tail is even rendered): it holds
   * the latest turn, which the first screen waits for. {@link readAllSegments} takes it as its first read.
   */
  let early: { segment: SegmentRef; read: Promise<ShareSegment | "gone"> } | undefined;

  /** Waits until the browser is idle (or a frame has passed), so reading old segments never delays the reader. */
  const idle = () =>
    new Promise<void>((resolve) => {
      if (typeof requestIdleCallback === "function") requestIdleCallback(() => resolve(), { timeout: 500 });
      else setTimeout(resolve, 0);
    });

  /** When (performance.now() ms) the reader last typed. */
  let lastInput = Number.NEGATIVE_INFINITY;
  const onInput = () => {
    lastInput = performance.now();
  };
  // Typing only: a reader scrolling up wants the older turns, which must not wait for the scrolling to stop.
  const INPUTS = ["keydown", "input"] as const;
  for (const type of INPUTS) addEventListener(type, onInput, { capture: true, passive: true });
  onCleanup(() => {
    for (const type of INPUTS) removeEventListener(type, onInput, { capture: true });
  });

  /**
   * Waits until the reader has not typed for {@link QUIET_MS} (at most {@link MAX_QUIET_WAIT_MS} in all) and the
   * browser is idle: an older segment changes the timeline, its turn index and the find index, work that is not to
   * land between two keystrokes. Before the reader's first key (the page opening, nothing to read yet when
   * the head's tail is small) it only yields a task, so that the first screen is not held back by idle periods.
   */
  async function quiet(): Promise<void> {
    if (lastInput === Number.NEGATIVE_INFINITY) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      return;
    }
    const until = performance.now() + MAX_QUIET_WAIT_MS;
    for (let wait = lastInput + QUIET_MS - performance.now(); wait > 0 && !stopped; ) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, until - performance.now())));
      if (performance.now() >= until) break;
      wait = lastInput + QUIET_MS - performance.now();
    }
    await idle();
  }

  /**
   * Reads the head's segments, newest first, one at a time, into the store (which keeps the highest seq per key and
   * the removals, so a segment never overwrites a newer change). A segment is parsed in the segment worker (its
   * entries handed over in chunks, each a task of its own) and applied while the reader is {@link quiet}. A segment
   * replaced by compaction (`gone`) makes the page read the head again and go on with the segments it now lists. A
   * `reset`'s snapshot (a new {@link generation}) ends the read.
   */
  async function readSegments(head: ShareHead): Promise<void> {
    try {
      await readAllSegments(head);
    } finally {
      // Every segment read, or the read given up or replaced: a worker kept would only hold its memory.
      closeSegmentReader();
    }
  }

  async function readAllSegments(head: ShareHead): Promise<void> {
    const begun = generation;
    /** Whether this read is still wanted: the page is open and nothing replaced what it reads into. */
    const wanted = () => !stopped && generation === begun;
    let current = head;
    for (let rereads = 0; wanted(); ) {
      const next = segmentsToRead(current.segments, segmentsRead)[0];
      if (!next) {
        setComplete(true);
        return;
      }
      const started = early?.segment === next ? early.read : undefined;
      early = undefined;
      if (!started) await quiet();
      if (!wanted()) return;
      let segment: ShareSegment | "gone";
      try {
        segment = await (started ?? readSegment(next));
      } catch {
        // The share stays as far as it was read; the older turns are missing until a reload.
        return;
      }
      if (!wanted()) return;
      if (segment === "gone") {
        if (++rereads > MAX_HEAD_REREADS) return;
        const again = await fetchHead(id).catch(() => undefined);
        if (!again || again === "unsupported") return;
        if (!wanted()) return;
        loadEager(store.apply(again.tail));
        current = again;
        continue;
      }
      // Applied whole: most of an apply's cost is fixed (the share's views derived again, the rows in view laid out
      // again), so slices of a segment would cost that many times over.
      await quiet();
      if (!wanted()) return;
      loadEager(store.apply(segment.entries));
      segmentsRead.push([next.lo, next.hi]);
    }
  }

  /**
   * Reads one segment in the segment worker, or on the main thread (one long task, but the share still loads whole)
   * once the worker has failed: its script gone after a redeploy under an open page, or no module workers.
   * Throws {@link LoadError} when the segment itself cannot be read.
   */
  async function readSegment(segment: SegmentRef): Promise<ShareSegment | "gone"> {
    if (!segmentWorkerFailed) {
      try {
        segmentReader ??= createSegmentReader();
        const read = await segmentReader.read(id, segment);
        return read === "gone" ? read : { lo: read.lo, hi: read.hi, entries: read.chunks.flat() };
      } catch (error) {
        if (!(error instanceof SegmentWorkerError) && error instanceof LoadError) throw error;
        segmentWorkerFailed = true;
        closeSegmentReader();
      }
    }
    return fetchSegment(id, segment);
  }

  function closeSegmentReader(): void {
    segmentReader?.close();
    segmentReader = undefined;
  }

  /**
   * Opens the share from its head: the newest changes show at once and the socket connects from the head's seq,
   * while older segments are read in the background. `false` when the server has no head (an older server).
   */
  async function startFromHead(): Promise<boolean> {
    // The worker asked the API already: it preloads the snapshot only when the server has no head.
    if (prefetchedPath(id)?.endsWith("/snapshot")) return false;
    const head = await fetchHead(id);
    if (stopped) return true;
    if (head === "unsupported") return false;
    if (head === null) {
      setLoad("not_found");
      return true;
    }
    const newest = segmentsToRead(head.segments, segmentsRead)[0];
    /** The newest entries of a large newest segment, read (on this thread: ~256 KiB) before any segment. */
    let newestEntries: Promise<void> | undefined;
    if (newest) {
      const path = firstReadPath(`/api/share/${encodeURIComponent(id)}`, newest);
      // The worker preloaded this very path; parsed here, at once, rather than in the segment worker, which would
      // start only now and read it again from the HTTP cache (200–300 ms more before the latest turn shows).
      const prefetched = takePrefetchedSegment(id, path);
      if (path.endsWith("?newest")) {
        const begun = generation;
        newestEntries = fetchSegment(id, newest, prefetched ?? fetch(path))
          .then((read) => {
            if (read !== "gone" && !stopped && generation === begun) loadEager(store.apply(read.entries));
          })
          // The whole segment, read next, brings the same entries.
          .catch(() => undefined);
      } else {
        early = { segment: newest, read: prefetched ? fetchSegment(id, newest, prefetched) : readSegment(newest) };
        // Taken (and its failure handled) by readAllSegments; until then, a failure is no unhandled rejection.
        early.read.catch(() => undefined);
      }
    }
    loadEager(store.apply(head.tail));
    since = Math.max(since, head.seq);
    setLoad("ready");
    connect();
    // The segments after the newest entries: the whole newest segment would otherwise share the line with them.
    void (newestEntries ?? Promise.resolve()).then(() => readSegments(head));
    return true;
  }

  async function start(): Promise<void> {
    setLoad("loading");
    let snapshot: Awaited<ReturnType<typeof fetchSnapshot>>;
    try {
      if (await startFromHead()) return;
      snapshot = await fetchSnapshot(id);
    } catch {
      if (!stopped) setLoad("error");
      return;
    }
    if (stopped) return;
    if (snapshot === null) {
      setLoad("not_found");
      return;
    }
    loadEager(store.apply(snapshot.entries));
    since = snapshot.seq;
    setComplete(true);
    setLoad("ready");
    connect();
  }

  onCleanup(stop);
  void start();

  return {
    store,
    load,
    connection,
    /** Whether the whole share has been read (false while older segments are still loading). */
    complete,
    /** Tries the first load again (after `load() === "error"`). */
    retry: () => void start(),
    loadPart,
    retryRef,
  };
}

/** What {@link followShare} returns. */
export type FollowedShare = ReturnType<typeof followShare>;
