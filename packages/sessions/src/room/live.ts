/**
 * Live encoders: stored rows as the messages viewers get (`changes`, `removed`, `ready`, `reset`), as R2 entries,
 * and in the legacy `/share_poll` framing. Each row's JSON is built from its stored text, never re-serialized.
 */
import { type Item, MAX_LIVE_MESSAGE_BYTES, type ServerMessage } from "@shareroom/shared";
import type { ItemRow } from "./store";

/** A stored row as it is sent or written. */
export type SentRow = Pick<ItemRow, "key" | "seq" | "body" | "ref" | "bytes" | "removed">;

/** A row's {@link Entry}-shaped JSON for viewers: `{key, seq, item}` or `{key, seq, ref}`. */
export function entryJson(row: Pick<ItemRow, "key" | "seq" | "body" | "ref">): string {
  const head = `{"key":${JSON.stringify(row.key)},"seq":${row.seq},`;
  return row.body !== null ? `${head}"item":${row.body}}` : `${head}"ref":${row.ref}}`;
}

/**
 * A row's entry JSON as R2 keeps it (docs/storage.md): tombstones as `{key, seq, removed: true}`; other entries
 * with the batch `epoch`, and blob references also with their merge `progress`, so the merge rule is exact after
 * an idle compaction.
 */
export function storedEntryJson(
  row: Pick<ItemRow, "key" | "seq" | "body" | "ref" | "epoch" | "removed" | "progress">,
): string {
  if (row.removed) return `{"key":${JSON.stringify(row.key)},"seq":${row.seq},"removed":true}`;
  let json = entryJson(row).slice(0, -1);
  if (row.epoch !== null && row.epoch !== undefined) json += `,"epoch":${row.epoch}`;
  if (row.body === null && row.progress !== null && row.progress !== undefined) json += `,"progress":${row.progress}`;
  return `${json}}`;
}

/**
 * Packs rows (in seq order) into `changes` and `removed` messages, in seq order, of at most about
 * `MAX_LIVE_MESSAGE_BYTES` each; a row larger than that travels alone. Used for catch-up and broadcasts alike.
 */
export function liveMessages(rows: Iterable<SentRow>): string[] {
  const messages: string[] = [];
  let kind: "changes" | "removed" = "changes";
  let batch: string[] = [];
  let batchBytes = 0;
  const close = () => {
    if (batch.length > 0) messages.push(`{"type":"${kind}","${kind}":[${batch.join(",")}]}`);
    batch = [];
    batchBytes = 0;
  };
  for (const row of rows) {
    const rowKind = row.removed ? "removed" : "changes";
    const bytes = row.removed ? 64 : row.body === null ? 256 : row.bytes;
    if (rowKind !== kind || (batch.length > 0 && batchBytes + bytes > MAX_LIVE_MESSAGE_BYTES)) close();
    kind = rowKind;
    batch.push(row.removed ? `{"key":${JSON.stringify(row.key)},"seq":${row.seq}}` : entryJson(row));
    batchBytes += bytes;
  }
  close();
  return messages;
}

/** One live message as text. */
export function message(value: ServerMessage): string {
  return JSON.stringify(value);
}

/**
 * The legacy `/share_poll` messages for stored rows: one `{key, content}` per session, message and part, with the
 * legacy keys `session/info/<sid>`, `session/message/<sid>/<mid>`, `session/part/<sid>/<mid>/<pid>` (protocol
 * reference §2). Rows stored by reference, tombstones and item types the legacy protocol has no key for are not sent.
 * Made one at a time as `rows` is iterated, so a caller that sends each as it comes holds one row and one message.
 */
export function* legacyMessages(sessionID: string, rows: Iterable<Pick<ItemRow, "key" | "body">>): Generator<string> {
  for (const row of rows) {
    if (row.body === null) continue;
    const [type, first, second] = row.key.split("/");
    const key =
      type === "session"
        ? `session/info/${sessionID}`
        : type === "message"
          ? `session/message/${sessionID}/${first}`
          : type === "part"
            ? `session/part/${sessionID}/${first}/${second}`
            : undefined;
    if (!key) continue;
    const content = (JSON.parse(row.body) as Item).data;
    yield JSON.stringify({ key, content });
  }
}
