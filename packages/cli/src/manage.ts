/** `shareroom unshare` and `shareroom list`: the shares this machine made, from the local store. */
import pc from "picocolors";
import { ApiError, deleteShare } from "./api.ts";
import { findShare, forgetShare, readShares } from "./store.ts";
import { forgetSyncState } from "./sync-state.ts";

/** Where a command writes. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/**
 * Deletes the share `idOrUrl` (its id, or its URL) with the secret stored when it was made, then forgets it. A
 * share the server no longer has is forgotten too. Resolves to the exit code: 0 done, 1 unknown or failed.
 */
export async function runUnshare(idOrUrl: string, io: Io): Promise<number> {
  const found = findShare(idOrUrl, io.env);
  if (!found) {
    io.stderr.write(`shareroom: no share ${idOrUrl} was made from this machine (see \`shareroom list\`)\n`);
    return 1;
  }
  const [key, share] = found;
  try {
    await deleteShare(share.server, share.id, share.secret);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) {
      io.stderr.write(`shareroom: could not delete ${share.url}: ${(error as Error).message}\n`);
      return 1;
    }
  }
  await forgetShare(key, io.env);
  forgetSyncState(key, io.env);
  io.stdout.write(`deleted ${share.url}\n`);
  return 0;
}

/** Lists the stored shares (newest first), as a table or, with `json`, one JSON array (secrets left out). */
export function runList(json: boolean, io: Io): number {
  const shares = Object.entries(readShares(io.env))
    .map(([key, share]) => ({
      key,
      id: share.id,
      url: share.url,
      agent: share.agent,
      title: share.title ?? "",
      transcript: share.transcript,
      createdAt: share.createdAt,
    }))
    .sort((a, b) => b.createdAt - a.createdAt);
  if (json) {
    io.stdout.write(`${JSON.stringify(shares)}\n`);
    return 0;
  }
  if (shares.length === 0) {
    io.stdout.write("no shares made from this machine\n");
    return 0;
  }
  for (const share of shares) {
    const when = new Date(share.createdAt).toISOString().slice(0, 16).replace("T", " ");
    io.stdout.write(`${share.url}  ${pc.dim(share.agent.padEnd(6))} ${pc.dim(when)}  ${share.title}\n`);
  }
  return 0;
}
