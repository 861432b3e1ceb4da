/** A test viewer: connects to `/ws/:id` through the worker and hands out messages in order, without sleeps. */

import { exports } from "cloudflare:workers";
import { type Entry, type ServerMessage, ServerMessageSchema } from "@shareroom/shared";
import { expect } from "vitest";
import { freshAddress, ORIGIN } from "./helpers";

export interface Viewer {
  socket: WebSocket;
  /** The next message (waits for it). */
  next(): Promise<ServerMessage>;
  /** Collects `changes` until a message of `type` arrives; returns the entries and that message. */
  until<T extends ServerMessage["type"]>(
    type: T,
  ): Promise<{ entries: Entry[]; last: Extract<ServerMessage, { type: T }> }>;
  /** Resolves with the close code once the server closes the socket. */
  closed: Promise<number>;
}

/**
 * Opens a viewer socket on share `id`, optionally with `?since=`, from client address `address` (a
 * {@link freshAddress} when not given).
 */
export async function connect(id: string, since?: number, address = freshAddress()): Promise<Viewer> {
  const query = since === undefined ? "" : `?since=${since}`;
  const headers: Record<string, string> = { upgrade: "websocket", "cf-connecting-ip": address };
  const response = await exports.default.fetch(new Request(`${ORIGIN}/ws/${id}${query}`, { headers }));
  expect(response.status).toBe(101);
  const socket = response.webSocket!;
  socket.accept();
  const queue: ServerMessage[] = [];
  const waiting: ((message: ServerMessage) => void)[] = [];
  const closed = Promise.withResolvers<number>();
  socket.addEventListener("message", (event) => {
    const message = ServerMessageSchema.parse(JSON.parse(event.data as string)) as ServerMessage;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  socket.addEventListener("close", (event) => closed.resolve(event.code));
  const next = () => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise<ServerMessage>((resolve) => waiting.push(resolve));
  };
  return {
    socket,
    next,
    closed: closed.promise,
    async until(type) {
      const entries: Entry[] = [];
      for (;;) {
        const message = await next();
        if (message.type === type) return { entries, last: message as never };
        if (message.type !== "changes") throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
        entries.push(...message.changes);
      }
    },
  };
}
