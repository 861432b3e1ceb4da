/**
 * Bytes a viewer receives when it reconnects after missing the last 10 syncs. The product: `/ws/:id?since=<seq>`
 * sends the entries changed after `seq`, then `ready`. The baseline: the old opencode share server, which replayed
 * every stored key on each connect — measured on the product's own implementation of that protocol
 * (`/share_poll?id=<id>`, one `{key, content}` message per stored session, message and part).
 */
import WebSocket from "ws";

export interface ReconnectResult {
  missedSyncs: number;
  ours: { bytes: number; messages: number };
  fullReplay: { bytes: number; messages: number };
}

/**
 * Opens `url` and adds up the bytes of the text messages received until `done(messages, text)` says so, or no
 * message came for `quietMs`.
 */
function receive(
  url: string,
  done: (messages: number, text: string) => boolean,
  quietMs = 3000,
): Promise<{ bytes: number; messages: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let bytes = 0;
    let messages = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      ws.close(1000);
      resolve({ bytes, messages });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, quietMs);
    };
    ws.on("open", arm);
    ws.on("error", reject);
    ws.on("message", (data: Buffer) => {
      bytes += data.byteLength;
      messages++;
      if (done(messages, data.toString())) finish();
      else arm();
    });
  });
}

/**
 * Measures both reconnects on share `id`. `seqs` is the share's seq after each sync; `storedItems` the number of
 * session, message and part items it holds (what a full replay sends).
 */
export async function runReconnect(
  origin: string,
  id: string,
  seqs: number[],
  storedItems: number,
  missedSyncs = 10,
): Promise<ReconnectResult> {
  const ws = origin.replace(/^http/, "ws");
  const since = seqs[seqs.length - 1 - missedSyncs]!;
  const ours = await receive(`${ws}/ws/${id}?since=${since}`, (_, text) => text.startsWith('{"type":"ready"'));
  const fullReplay = await receive(`${ws}/share_poll?id=${id}`, (messages) => messages >= storedItems);
  return { missedSyncs, ours, fullReplay };
}
