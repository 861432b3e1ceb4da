/** HTTP calls the suites make to the workers under test. Every non-2xx answer throws with its body. */
import type { CreateShareResponse, StorageStats, SyncResponse } from "@shareroom/shared";

export type { StorageStats };

/** Milliseconds and count per span name (the shape of `room/spans.ts` `SpanTotals`). */
export type SpanTotals = Record<string, { ms: number; count: number }>;

/** No single request of the bench takes near this long (a 5 MB sync: about a second); beyond it something hangs. */
const REQUEST_TIMEOUT_MS = 120_000;

async function checked(response: Response, what: string): Promise<Response> {
  if (!response.ok) throw new Error(`${what} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  return response;
}

/** POSTs `body` (an object, or JSON text as is) and returns the checked response. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return checked(response, `POST ${new URL(url).pathname}`);
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return checked(response, `GET ${new URL(url).pathname}`);
}

/** What `POST /__bench/flush/:id` answers: seq, head object size and the head's segments (bytes). */
export interface FlushAnswer {
  seq: number;
  headBytes: number;
  segments: { name: string; bytes: number }[];
}

/** The bench's sessions worker: the product API plus the bench routes of bench/workers/sessions. */
export class Sessions {
  readonly origin: string;
  private readonly adminToken: string;

  constructor(origin: string, adminToken: string) {
    this.origin = origin;
    this.adminToken = adminToken;
  }

  /** Creates a share; `redact: false` makes it live in the ShareRoom class with redaction off. */
  async create(sessionID: string, redact = true): Promise<CreateShareResponse> {
    const response = await post(`${this.origin}/api/share`, { sessionID }, redact ? {} : { "x-bench-redact": "false" });
    return (await response.json()) as CreateShareResponse;
  }

  /** The sync request body for `data` (pre-serialized so building it is never part of a timing). */
  static syncBody(share: { secret: string }, data: unknown[]): string {
    return JSON.stringify({ secret: share.secret, data });
  }

  async sync(share: { id: string }, body: string, redact = true): Promise<SyncResponse> {
    const headers: Record<string, string> = redact ? {} : { "x-bench-redact": "false" };
    return (await (await post(`${this.origin}/api/share/${share.id}/sync`, body, headers)).json()) as SyncResponse;
  }

  /**
   * Makes the room write what it holds to R2 now (`flushNow()`, as `GET /data` does before reading). Answers the
   * share's seq, the size of the head object in R2 afterwards, and the segments that head names (`bytes`: object size).
   */
  async flush(id: string, redact = true): Promise<FlushAnswer> {
    const headers: Record<string, string> = redact ? {} : { "x-bench-redact": "false" };
    const response = await post(`${this.origin}/__bench/flush/${id}`, "", headers);
    return (await response.json()) as FlushAnswer;
  }

  /** Runs the share's idle compaction now (`POST /__bench/compact/:id`: the alarm's duties as 10 minutes from now). */
  async compact(id: string): Promise<void> {
    await (await post(`${this.origin}/__bench/compact/${id}`, "")).arrayBuffer();
  }

  /**
   * The sync-path spans the share's room recorded since the last call (ms and count per span name; see
   * packages/sessions/src/room/spans.ts). The room's isolate keeps one set, so call it after every timed sync.
   */
  async spans(id: string, redact = true): Promise<SpanTotals> {
    const headers: Record<string, string> = redact ? {} : { "x-bench-redact": "false" };
    return (await (await post(`${this.origin}/__bench/spans/${id}`, "", headers)).json()) as SpanTotals;
  }

  /** The share's cumulative storage work, from the operator endpoint. */
  async stats(id: string): Promise<StorageStats> {
    const response = await get(`${this.origin}/api/sessions/${id}`, { authorization: `Bearer ${this.adminToken}` });
    return ((await response.json()) as { stats: StorageStats }).stats;
  }

  /** A page view's read: `GET /snapshot`, its R2 GET count (`x-shareroom-r2-reads`) and body size. */
  async snapshot(id: string): Promise<{ reads: number; bytes: number; text: string }> {
    const response = await get(`${this.origin}/api/share/${id}/snapshot`);
    const text = await response.text();
    return { reads: Number(response.headers.get("x-shareroom-r2-reads")), bytes: Buffer.byteLength(text), text };
  }
}

/** The snapshot-rewrite baseline of bench/workers/snapshot-baseline. */
export class SnapshotBaseline {
  readonly origin: string;

  constructor(origin: string) {
    this.origin = origin;
  }

  async create(sessionID: string): Promise<CreateShareResponse> {
    return (await (await post(`${this.origin}/api/share`, { sessionID })).json()) as CreateShareResponse;
  }

  async sync(share: { id: string }, body: string): Promise<void> {
    await (await post(`${this.origin}/api/share/${share.id}/sync`, body)).arrayBuffer();
  }

  async stats(
    id: string,
  ): Promise<Pick<StorageStats, "syncs" | "r2Puts" | "r2BytesWritten" | "r2Gets" | "r2BytesRead">> {
    return (await (await get(`${this.origin}/stats/${id}`)).json()) as StorageStats;
  }

  async snapshot(id: string): Promise<{ reads: number; bytes: number }> {
    const response = await get(`${this.origin}/api/share/${id}/snapshot`);
    const bytes = (await response.arrayBuffer()).byteLength;
    return { reads: Number(response.headers.get("x-shareroom-r2-reads")), bytes };
  }
}
