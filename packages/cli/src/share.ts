/**
 * `shareroom share`: find the session, create (or resume) its share, send its items, then follow its transcripts
 * until the session ends, the agent process is gone, or SIGINT/SIGTERM, with a final sync before exiting 0.
 */
import { type FSWatcher, rmSync, watch } from "node:fs";
import { dirname } from "node:path";
import type { Item } from "@shareroom/shared";
import { redactItems } from "@shareroom/shared/redact";
import { ApiError, apiOrigin, createShare } from "./api.ts";
import type { AgentId } from "./conversation.ts";
import { findTranscript } from "./locations.ts";
import { alive } from "./process.ts";
import { SessionSource } from "./source.ts";
import { StatusLine } from "./status.ts";
import {
  claimFollower,
  followerFile,
  followerStatus,
  readFollower,
  releaseFollower,
  resolveServer,
  type StoredShare,
  saveShare,
  takeShare,
} from "./store.ts";
import { type FlushResult, ShareSync } from "./sync.ts";
import { forgetSyncState, readSyncState, saveSyncState } from "./sync-state.ts";

/** Options of `shareroom share` (see `shareroom share --help`). */
export interface ShareOptions {
  agent?: AgentId;
  session?: string;
  server?: string;
  once?: boolean;
  json?: boolean;
  dryRun?: boolean;
  /** Stop following when this process is gone. */
  pid?: number;
  /** Stop the follower of this session (final sync) instead of starting one. */
  end?: boolean;
}

/** Where the command writes and what it reads. */
export interface ShareIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Resolves when the command should stop following (SIGINT/SIGTERM by default). */
  stopSignal?: Promise<void>;
}

/** How often the transcripts are read even when no file event came, in ms. */
const POLL_MS = 250;
/** Longest wait between two tries while the server is unreachable, in ms. */
const MAX_BACKOFF_MS = 15_000;
/** A session with no new line for this long is shown as idle, in ms. */
const IDLE_AFTER_MS = 10_000;
/** Shortest time between two saves of a following share's sync state, in ms (it is saved at the end too). */
const SAVE_EVERY_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `shareroom share`; resolves to the exit code. */
export async function runShare(options: ShareOptions, io: ShareIo): Promise<number> {
  const found = findTranscript({ agent: options.agent, session: options.session, cwd: io.cwd }, io.env);
  const source = new SessionSource(found.agent, found.path);
  source.poll();
  if (options.dryRun) {
    const { items } = await redactItems(source.items());
    for (const item of items) io.stdout.write(`${JSON.stringify(item)}\n`);
    return 0;
  }
  const server = resolveServer(options.server, io.env);
  if (!server) {
    io.stderr.write(
      "shareroom: no server: pass --server <url>, set SHAREROOM_URL, or run `shareroom config --server <url>`\n",
    );
    return 2;
  }
  if (options.end) return endFollower(source, options, io, server);

  const { share, sync, resumed } = await openShare(source, server, io);
  // Counts the resume's first flush too: what it sent is saved with the rest.
  const save = stateSaver(source.key, share.id, sync, io.env);
  const first = { id: share.id, url: share.url, agent: source.agent, session: source.path, resumed };
  io.stdout.write(options.json ? `${JSON.stringify(first)}\n` : `${share.url}\n`);

  if (options.once) {
    const ok = await flushUntilDone(source, sync, io, 5, save);
    save(true);
    if (options.json) io.stdout.write(`${JSON.stringify(doneLine(sync))}\n`);
    return ok ? 0 : 1;
  }
  claimFollower(source.key, io.env);
  // Run from inside Claude Code, stop with it (Claude Code gives its commands its own pid).
  const insideClaude =
    io.env.CLAUDECODE === "1" && Number(io.env.CLAUDE_PID) > 0 ? Number(io.env.CLAUDE_PID) : undefined;
  try {
    const code = await follow(source, sync, share, { ...options, pid: options.pid ?? insideClaude }, io, save);
    save(true);
    if (options.json) io.stdout.write(`${JSON.stringify(doneLine(sync))}\n`);
    return code;
  } finally {
    releaseFollower(source.key, io.env);
  }
}

/** The stored share of this session on `server` (checked by a first sync), else a new one. */
async function openShare(
  source: SessionSource,
  server: string,
  io: ShareIo,
): Promise<{ share: StoredShare; sync: ShareSync; resumed: boolean }> {
  const stored = await takeShare(source.key, source.oldKey, io.env);
  if (stored && apiOrigin(stored.server) === apiOrigin(server)) {
    const saved = readSyncState(source.key, stored.id, io.env);
    let sync = new ShareSync(stored, saved);
    try {
      // The empty sync checks the share even when nothing changed since the saved state.
      if (saved && (await sync.probe()) < saved.seq) {
        // The server's share is behind what it had acknowledged (it lost changes): send everything. The saved state
        // goes first: a re-send cut short would leave it claiming items the server lost, and once the server's seq
        // passed the saved one again, the next resume would trust it and never send them.
        forgetSyncState(source.key, io.env);
        sync = new ShareSync(stored);
      }
      reportRefused(await sync.flush(source.items()), io);
      return { share: stored, sync, resumed: true };
    } catch (error) {
      // A share deleted on the server (or a store from another server) starts over; an unreachable server does not.
      if (!(error instanceof ApiError) || !error.gone) {
        return { share: stored, sync, resumed: true };
      }
    }
  }
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const created = await createShare(server, source.sessionID);
      const share: StoredShare = {
        ...created,
        server: apiOrigin(server),
        agent: source.agent,
        transcript: source.path,
        title: titleOf(source.items()),
        createdAt: Date.now(),
      };
      await saveShare(source.key, share, io.env);
      return { share, sync: new ShareSync(share), resumed: false };
    } catch (error) {
      if (!(error instanceof ApiError) || !error.retryable || attempt >= 6) throw error;
      io.stderr.write(`shareroom: ${error.message}; retrying in ${delay} ms\n`);
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  }
}

/** The last `--json` line: items synced, and the items the server refused counted by error code. */
function doneLine(sync: ShareSync) {
  return { done: true, items: sync.synced, refused: sync.refused, refusedCodes: sync.refusedCodes() };
}

/** Says on stderr which items the server refused (they are skipped until they change). */
function reportRefused(result: FlushResult, io: ShareIo, status?: StatusLine): void {
  if (result.refused.length === 0) return;
  status?.clear();
  for (const refusal of result.refused) {
    io.stderr.write(`shareroom: the server refused ${refusal.key} (${refusal.code}: ${refusal.message}); skipped\n`);
  }
}

function titleOf(items: Item[]): string {
  const session = items.find((item) => item.type === "session")?.data as { title?: unknown } | undefined;
  return typeof session?.title === "string" ? session.title : "";
}

/**
 * Saves a share's sync state once it changed ({@link ShareSync.revision}, so a flush that threw part-way counts
 * too): `save()` after each flush writes at most every 2 s, `save(true)` writes now if anything changed since the
 * last write.
 */
type Saver = (force?: boolean) => void;

function stateSaver(key: string, shareId: string, sync: ShareSync, env: NodeJS.ProcessEnv): Saver {
  let saved = 0;
  let savedAt = 0;
  return (force = false) => {
    if (sync.revision === saved || (!force && Date.now() - savedAt < SAVE_EVERY_MS)) return;
    try {
      const revision = sync.revision;
      saveSyncState(key, shareId, sync.seq, sync.snapshot(), env);
      saved = revision;
      savedAt = Date.now();
    } catch {
      // The state only spares a resume from sending everything; without it the next run sends all.
    }
  };
}

/** Flushes until the server acknowledged everything, trying up to `attempts` times with backoff. */
async function flushUntilDone(
  source: SessionSource,
  sync: ShareSync,
  io: ShareIo,
  attempts: number,
  save: Saver,
): Promise<boolean> {
  let delay = 500;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    source.poll();
    try {
      const result = await sync.flush(source.items());
      reportRefused(result, io);
      save();
      return true;
    } catch (error) {
      // A full share is not emptied by trying again within seconds: only a removal makes room.
      if (
        !(error instanceof ApiError) ||
        !error.retryable ||
        error.code === "share_too_large" ||
        attempt === attempts
      ) {
        const code = error instanceof ApiError ? ` (${error.code})` : "";
        io.stderr.write(`shareroom: sync failed${code}: ${(error as Error).message}\n`);
        return false;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  }
  return false;
}

/** Follows the session until it ends; resolves to the exit code. */
async function follow(
  source: SessionSource,
  sync: ShareSync,
  share: StoredShare,
  options: ShareOptions,
  io: ShareIo,
  save: Saver,
): Promise<number> {
  let stopping = false;
  let wake: () => void = () => {};
  const stopSignal =
    io.stopSignal ??
    new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  void stopSignal.then(() => {
    stopping = true;
    wake();
  });
  const watchers: FSWatcher[] = [];
  for (const dir of new Set([dirname(source.path)])) {
    try {
      watchers.push(watch(dir, { persistent: false }, () => wake()));
    } catch {
      // Polling alone still sees every change.
    }
  }
  const status = new StatusLine(io.stderr, share.url);
  let retryAt = 0;
  let delay = 0;
  let lastChange = Date.now();
  let failed: string | undefined;
  // Items are mapped and compared only after a change (or while a failed sync waits for its retry).
  let pending = true;
  let unreadable = false;
  try {
    while (!stopping) {
      try {
        if (source.poll()) {
          lastChange = Date.now();
          pending = true;
        }
        unreadable = false;
      } catch {
        // A file the agent is rewriting can fail to read once; the next poll reads it again.
        unreadable = true;
      }
      if (pending && Date.now() >= retryAt) {
        try {
          const result = await sync.flush(source.items());
          reportRefused(result, io, status);
          save();
          delay = 0;
          failed = undefined;
          pending = false;
        } catch (error) {
          if (error instanceof ApiError && error.gone) {
            status.clear();
            io.stderr.write(`shareroom: the share is gone from the server (${error.code}); stopping\n`);
            return 1;
          }
          // A refusal a flush throws is the request's own (even its empty sync was refused), not an item's.
          if (error instanceof ApiError && (error.fatal || error.refusal)) {
            status.clear();
            io.stderr.write(
              `shareroom: the server refuses this share's syncs (${error.code}: ${error.message}); stopping\n`,
            );
            return 1;
          }
          if (error instanceof ApiError && error.code === "share_too_large" && failed === undefined) {
            status.clear();
            io.stderr.write(`shareroom: the share is full (${error.message}); new items wait until some are removed\n`);
          }
          delay = Math.min(Math.max(delay * 2, 500), MAX_BACKOFF_MS);
          retryAt = Date.now() + delay;
          failed = (error as Error).message;
        }
      }
      status.show(
        failed || unreadable ? "retrying" : Date.now() - lastChange > IDLE_AFTER_MS ? "idle" : "live",
        sync.synced,
        sync.refusedCodes(),
      );
      if (options.pid !== undefined && !alive(options.pid)) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, POLL_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    for (const watcher of watchers) watcher.close();
  }
  status.clear();
  return (await flushUntilDone(source, sync, io, 5, save)) ? 0 : 1;
}

/** `share --end`: stops the session's follower (it makes the final sync), or syncs once when none runs. */
async function endFollower(source: SessionSource, options: ShareOptions, io: ShareIo, server: string): Promise<number> {
  const follower = readFollower(source.key, io.env);
  const status = follower && follower.pid !== process.pid ? followerStatus(follower) : "gone";
  if (follower && status === "running") {
    process.kill(follower.pid, "SIGTERM");
    for (let waited = 0; waited < 15_000 && followerStatus(follower) === "running"; waited += 100) await sleep(100);
    return 0;
  }
  if (follower && status === "unknown") {
    io.stderr.write(
      `shareroom: process ${follower.pid} may be this session's follower, but its start time cannot be read; left running\n`,
    );
  } else {
    // A record left by a follower that died (its pid may be another process's by now) is dropped, never signalled.
    rmSync(followerFile(source.key, io.env), { force: true });
  }
  const stored = await takeShare(source.key, source.oldKey, io.env);
  if (!stored) return 0;
  const sync = new ShareSync(
    { ...stored, server: stored.server || server },
    readSyncState(source.key, stored.id, io.env),
  );
  const save = stateSaver(source.key, stored.id, sync, io.env);
  const ok = await flushUntilDone(source, sync, io, 3, save);
  save(true);
  if (options.json) io.stdout.write(`${JSON.stringify({ id: stored.id, url: stored.url, done: ok })}\n`);
  return ok ? 0 : 1;
}
