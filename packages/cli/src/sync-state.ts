/**
 * What each share last synced, kept beside `shares.json` in `state/<session key>.json` (mode 0600), so that running
 * `share` again for a session sends only what changed since (docs/agents.md, "The local store"). The file is only a
 * shortcut: one that is missing, unreadable, of another share or another version is ignored and everything is sent.
 * A state older than the server's is safe too: it can only make the client send again what the server already has.
 */
import { rmSync } from "node:fs";
import { rec } from "@shareroom/shared/data";
import { readJson, syncStateFile, writePrivate } from "./store.ts";
import type { SyncSnapshot } from "./sync.ts";

/** The saved state of one share. */
export interface SyncState extends SyncSnapshot {
  version: 1;
  /** The share id the state belongs to. */
  share: string;
  /** The highest `seq` the server answered a sync with. */
  seq: number;
}

/** The saved state of session `key` for share `shareId`; `undefined` when there is none usable. */
export function readSyncState(key: string, shareId: string, env = process.env): SyncState | undefined {
  const state = rec(readJson<unknown>(syncStateFile(key, env)));
  if (state?.version !== 1 || state.share !== shareId || typeof state.seq !== "number") return;
  const items = rec(state.items);
  const refused = rec(state.refused);
  if (!items || !Object.values(items).every((hash) => typeof hash === "string")) return;
  if (!refused) return;
  for (const value of Object.values(refused)) {
    const entry = rec(value);
    if (!entry || typeof entry.hash !== "string" || typeof entry.code !== "string") return;
  }
  return state as unknown as SyncState;
}

/** Saves the state of session `key`'s share `shareId`. */
export function saveSyncState(key: string, shareId: string, seq: number, snapshot: SyncSnapshot, env = process.env) {
  writePrivate(syncStateFile(key, env), { version: 1, share: shareId, seq, ...snapshot } satisfies SyncState);
}

/** Deletes the saved state of session `key`. */
export function forgetSyncState(key: string, env = process.env): void {
  rmSync(syncStateFile(key, env), { force: true });
}
