/**
 * The storage baseline: the design of the upstream share server that shareroom replaces. Each share is ONE R2 object
 * (`snapshots/<id>.json`, `{secret, items: {[key]: Item}}`); every sync GETs it, merges the batch into it (last wins
 * per merge key, the CLI's rule) and PUTs it back whole, and a page view GETs it. Nothing else: no validation, no
 * redaction, no live viewers, no protection against concurrent syncs (the storage benchmark sends them one by one).
 *
 * It counts its own R2 work per share, with the fields of the product's `StorageStats`, in the custom metadata of
 * the snapshot object itself: written by the PUT the design makes anyway, so counting costs no R2 operation and
 * survives isolate restarts (workerd restarted this isolate under the memory of large snapshots).
 *
 * | route | what |
 * |---|---|
 * | `POST /api/share` `{sessionID}` | `{id, secret}` and an empty snapshot |
 * | `POST /api/share/:id/sync` `{secret, data}` | read, merge, rewrite |
 * | `GET /api/share/:id/snapshot` | the snapshot object as stored (one GET); `x-shareroom-r2-reads: 1` |
 * | `GET /stats/:id` | this share's counters (the counting itself uses a HEAD, not counted) |
 * | `GET /health` | `{ok: true}` |
 */
import { type Item, itemKey } from "@shareroom/shared";

interface BaselineEnv {
  SNAPSHOTS: R2Bucket;
}

/** The counters of one share: its syncs, and the R2 operations and body bytes they cost (create included). */
interface Stats {
  syncs: number;
  r2Puts: number;
  r2BytesWritten: number;
  r2Gets: number;
  r2BytesRead: number;
}

interface Snapshot {
  secret: string;
  items: Record<string, Item>;
}

const encoder = new TextEncoder();
const EMPTY: Stats = { syncs: 0, r2Puts: 0, r2BytesWritten: 0, r2Gets: 0, r2BytesRead: 0 };

const keyOf = (id: string) => `snapshots/${id}.json`;

function statsOf(object: R2Object): Stats {
  return { ...EMPTY, ...JSON.parse(object.customMetadata?.stats ?? "{}") } as Stats;
}

/** PUTs the snapshot with the counters so far, plus this PUT. */
async function write(env: BaselineEnv, id: string, snapshot: Snapshot, stats: Stats): Promise<void> {
  const body = encoder.encode(JSON.stringify(snapshot));
  const counted: Stats = { ...stats, r2Puts: stats.r2Puts + 1, r2BytesWritten: stats.r2BytesWritten + body.byteLength };
  await env.SNAPSHOTS.put(keyOf(id), body, { customMetadata: { stats: JSON.stringify(counted) } });
}

const error = (status: number, code: string) => Response.json({ error: { code, message: code } }, { status });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, first, second, id, action] = url.pathname.split("/");
    if (first === "health") return Response.json({ ok: true });
    if (first === "stats" && second) {
      const head = await env.SNAPSHOTS.head(keyOf(second));
      return head ? Response.json(statsOf(head)) : error(404, "share_not_found");
    }
    if (first !== "api" || second !== "share") return error(404, "not_found");
    if (request.method === "POST" && id === undefined) {
      const id = crypto.randomUUID().replaceAll("-", "");
      const secret = crypto.randomUUID();
      await write(env, id, { secret, items: {} }, EMPTY);
      return Response.json({ id, secret });
    }
    if (!id) return error(404, "not_found");
    if (request.method === "POST" && action === "sync") {
      const body = (await request.json()) as { secret: string; data: Item[] };
      const object = await env.SNAPSHOTS.get(keyOf(id));
      if (!object) return error(404, "share_not_found");
      const before = statsOf(object);
      const snapshot = JSON.parse(await object.text()) as Snapshot;
      if (snapshot.secret !== body.secret) return error(403, "invalid_secret");
      for (const item of body.data) snapshot.items[itemKey(item)] = item;
      await write(env, id, snapshot, {
        ...before,
        syncs: before.syncs + 1,
        r2Gets: before.r2Gets + 1,
        r2BytesRead: before.r2BytesRead + object.size,
      });
      return Response.json({ ok: true });
    }
    if (request.method === "GET" && action === "snapshot") {
      const object = await env.SNAPSHOTS.get(keyOf(id));
      if (!object) return error(404, "share_not_found");
      return new Response(object.body, {
        headers: { "content-type": "application/json", "x-shareroom-r2-reads": "1" },
      });
    }
    return error(404, "not_found");
  },
} satisfies ExportedHandler<BaselineEnv>;
