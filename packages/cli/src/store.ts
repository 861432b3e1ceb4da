/**
 * The local share store and settings, in `$XDG_CONFIG_HOME/shareroom/` (else `~/.config/shareroom/`):
 * `shares.json` (mode 0600) keeps each share's owner secret, so `unshare` works even after the agent deleted its
 * session; `config.json` may name the default server (`{"server": "https://share.example.com"}`). Changes to either
 * are made under a lock (`shares.json.lock`, proper-lockfile), so two `share` processes starting at once, such as the
 * hooks of two sessions, both keep their entries.
 */

import { randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { lock } from "proper-lockfile";
import { alive, startTime } from "./process.ts";

/** One share made from this machine. Times are Unix ms. */
export interface StoredShare {
  id: string;
  url: string;
  secret: string;
  /** The API origin the share lives on. */
  server: string;
  /** `claude`, `codex` or `gemini`. */
  agent: string;
  /** The transcript it follows. */
  transcript: string;
  title?: string;
  createdAt: number;
}

/** `shares.json`: shares by session key (`<agent>:<session id>`). */
interface SharesFile {
  version: 1;
  shares: Record<string, StoredShare>;
}

/** The configuration folder. */
export function configDir(env = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "shareroom");
}

/** The parsed JSON of a file; `undefined` when it is missing or not JSON. */
export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

/** Writes `value` as JSON through a temporary file and a rename, readable only by the user. */
export function writePrivate(path: string, value: unknown): void {
  mkdirSync(join(path, ".."), { recursive: true, mode: 0o700 });
  // Unique per write: two processes (or two writes of one) never share a temporary file.
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** The file of every stored share (`shares.json` in the config folder); it also names the folder's lock. */
function sharesPath(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), "shares.json");
}

/** Every stored share, by session key. */
export function readShares(env = process.env): Record<string, StoredShare> {
  return readJson<SharesFile>(sharesPath(env))?.shares ?? {};
}

/** Replaces `shares.json` with `shares` (call holding the lock). */
function writeShares(shares: Record<string, StoredShare>, env: NodeJS.ProcessEnv): void {
  writePrivate(sharesPath(env), { version: 1, shares } satisfies SharesFile);
}

/**
 * Longest a lock holder may go silent before another process takes the lock over, in ms: above proper-lockfile's
 * floor of 2000 ms, and twice the interval at which a holder refreshes the lock (half this value).
 */
const LOCK_STALE_MS = 5_000;

/**
 * Runs `change` (a read-modify-write of the files in the config folder) holding the folder's lock, waiting up to
 * about 10 s for another process to release it. Throws when the lock cannot be had in that time.
 */
async function locked<T>(env: NodeJS.ProcessEnv, change: () => T): Promise<T> {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const release = await lock(sharesPath(env), {
    lockfilePath: `${sharesPath(env)}.lock`,
    realpath: false,
    stale: LOCK_STALE_MS,
    retries: { retries: 60, factor: 1.3, minTimeout: 5, maxTimeout: 250, randomize: true },
    // A change takes milliseconds; a lock taken over meanwhile can only cost that one change, which the rename keeps whole.
    onCompromised: () => {},
  });
  try {
    return change();
  } finally {
    await release().catch(() => {});
  }
}

/** Stores (or replaces) the share of session `key`. */
export function saveShare(key: string, share: StoredShare, env = process.env): Promise<void> {
  return locked(env, () => {
    const shares = readShares(env);
    shares[key] = share;
    writeShares(shares, env);
  });
}

/**
 * The share of session `key`, else the one stored under `oldKey` (the key an earlier version gave the session),
 * which is moved to `key` under the lock, with its sync state; `undefined` when neither is stored.
 */
export async function takeShare(
  key: string,
  oldKey: string | undefined,
  env = process.env,
): Promise<StoredShare | undefined> {
  const before = readShares(env);
  const stored = before[key];
  if (stored || !oldKey || oldKey === key || !before[oldKey]) return stored;
  return locked(env, () => {
    const shares = readShares(env);
    const moved = shares[key] ?? shares[oldKey];
    if (!moved || shares[key]) return moved;
    shares[key] = moved;
    delete shares[oldKey];
    writeShares(shares, env);
    try {
      renameSync(syncStateFile(oldKey, env), syncStateFile(key, env));
    } catch {
      // No saved state: the resume sends everything.
    }
    return moved;
  });
}

/** The file of session `key`'s saved sync state (sync-state.ts reads and writes it). */
export function syncStateFile(key: string, env = process.env): string {
  return join(configDir(env), "state", `${keyFileName(key)}.json`);
}

/** Forgets the share of session `key`. */
export function forgetShare(key: string, env = process.env): Promise<void> {
  return locked(env, () => {
    const shares = readShares(env);
    delete shares[key];
    writeShares(shares, env);
  });
}

/** The stored share whose id or URL is `idOrUrl`, with its session key. */
export function findShare(idOrUrl: string, env = process.env): [string, StoredShare] | undefined {
  const wanted = idOrUrl.replace(/\/+$/, "");
  const id = /\/share\/([A-Za-z0-9_-]+)$/.exec(wanted)?.[1] ?? wanted;
  return Object.entries(readShares(env)).find(([, share]) => share.id === id || share.url === wanted);
}

/** The default server from `config.json`, if any. */
export function configuredServer(env = process.env): string | undefined {
  const server = readJson<{ server?: unknown }>(join(configDir(env), "config.json"))?.server;
  return typeof server === "string" && server !== "" ? server : undefined;
}

/** Saves the default server into `config.json`. */
export function saveServer(server: string, env = process.env): Promise<void> {
  const path = join(configDir(env), "config.json");
  return locked(env, () => writePrivate(path, { ...readJson<Record<string, unknown>>(path), server }));
}

/** The server to use: `--server`, else `SHAREROOM_URL`, else `config.json`; `undefined` when none is set. */
export function resolveServer(flag: string | undefined, env = process.env): string | undefined {
  return flag || env.SHAREROOM_URL || configuredServer(env);
}

/** A session key as a file name. */
function keyFileName(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]/g, "_");
}

/** The file where the follower of session `key` records its process id (for `share --end` and the end hook). */
export function followerFile(key: string, env = process.env): string {
  return join(configDir(env), "running", `${keyFileName(key)}.pid`);
}

/** The follower of a session as its record says: its process id and when that process started. */
export interface FollowerRecord {
  pid: number;
  /** {@link startTime} of the process when it claimed the session. */
  start: string;
}

/** Records this process as the follower of `key`, with its start time (so a reused pid is never mistaken for it). */
export function claimFollower(key: string, env = process.env): void {
  const record: FollowerRecord = { pid: process.pid, start: startTime(process.pid) ?? "" };
  // Through a rename: `share --end` never reads half a record, which it would take for none and drop.
  writePrivate(followerFile(key, env), record);
}

/** Removes the follower record of `key` if it is this process's. */
export function releaseFollower(key: string, env = process.env): void {
  if (readFollower(key, env)?.pid === process.pid) rmSync(followerFile(key, env), { force: true });
}

/** The follower record of `key`, if any; a record in another shape (such as a bare pid) counts as none. */
export function readFollower(key: string, env = process.env): FollowerRecord | undefined {
  const record = readJson<Partial<FollowerRecord>>(followerFile(key, env));
  const pid = record?.pid;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0 || typeof record?.start !== "string") return;
  return { pid, start: record.start };
}

/**
 * What the process a follower record names is now: `running` (alive, and started when the record says), `gone` (no
 * such process, or one with another start time: the system gave the pid to another process since), or `unknown`
 * (alive, but its start time or the record's could not be read on this system). Only a `running` follower may be
 * signalled; only a `gone` one's record may be dropped.
 */
export function followerStatus(record: FollowerRecord): "running" | "gone" | "unknown" {
  const start = startTime(record.pid);
  if (start !== undefined && record.start !== "") return start === record.start ? "running" : "gone";
  return alive(record.pid) ? "unknown" : "gone";
}
