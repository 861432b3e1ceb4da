/**
 * The opencode items a transcript maps to, kept as one session with its messages and their parts. Readers mutate it
 * record by record; {@link Conversation.items} renders the current state as the items a sync sends
 * (docs/agents.md, "How a session maps to items").
 */
import type { Item } from "@shareroom/shared";

/** Plain item data (a session, message or part), as JSON. */
export type Data = Record<string, unknown>;

/** Which agent wrote a transcript. */
export type AgentId = "claude" | "codex" | "gemini";

/**
 * The agent a session came from, as the session item carries it in `agent` (an object, where opencode's own
 * sessions carry a string: the name of their agent mode). docs/agents.md, "How a session maps to items".
 */
export interface AgentInfo {
  /** The product's name, e.g. `Claude Code`. */
  name: string;
  /** The CLI's version (e.g. `2.1.332`); absent when it is not known. */
  version?: string;
}

/** The name of each agent. */
export const AGENT_NAMES: Record<AgentId, string> = {
  claude: "Claude Code",
  codex: "Codex CLI",
  gemini: "Gemini CLI",
};

interface MessageEntry {
  info: Data;
  parts: Map<string, Data>;
}

/** One session's messages and parts, keyed by id; items come out sorted by id (creation order). */
export class Conversation {
  /** The session item's data; readers fill it in (`id` and `sessionID` of children are set here). */
  readonly session: Data;
  private readonly messages = new Map<string, MessageEntry>();

  /** The session's id; every message and part carries it as `sessionID`. */
  readonly sessionID: string;

  constructor(sessionID: string, agent: AgentId) {
    this.sessionID = sessionID;
    const info: AgentInfo = { name: AGENT_NAMES[agent] };
    this.session = { id: sessionID, title: "", agent: info, time: { created: 0, updated: 0 } };
  }

  /** The message `id`, if present. */
  message(id: string): Data | undefined {
    return this.messages.get(id)?.info;
  }

  /** Adds or replaces message `info` (its `id` is the key; `sessionID` is set). */
  putMessage(info: Data & { id: string }): Data {
    const entry = this.messages.get(info.id);
    const data = { ...info, sessionID: this.sessionID };
    if (entry) entry.info = data;
    else this.messages.set(info.id, { info: data, parts: new Map() });
    return data;
  }

  /** Removes a message and its parts. */
  removeMessage(id: string): void {
    this.messages.delete(id);
  }

  /** The part `id` of message `messageID`, if present. */
  part(messageID: string, id: string): Data | undefined {
    return this.messages.get(messageID)?.parts.get(id);
  }

  /** Adds or replaces a part of an existing message; ignored when the message is unknown. */
  putPart(messageID: string, part: Data & { id: string; type: string }): Data | undefined {
    const entry = this.messages.get(messageID);
    if (!entry) return undefined;
    const data = { ...part, sessionID: this.sessionID, messageID };
    entry.parts.set(part.id, data);
    return data;
  }

  /** Replaces fields of an existing part (e.g. a tool's `state` once its result arrives). */
  updatePart(messageID: string, id: string, fields: Data): void {
    const part = this.messages.get(messageID)?.parts.get(id);
    if (part) this.messages.get(messageID)!.parts.set(id, { ...part, ...fields });
  }

  /** How many parts message `messageID` has (a new part's position, for its id's order byte). */
  partCount(messageID: string): number {
    return this.messages.get(messageID)?.parts.size ?? 0;
  }

  /** Drops every part of message `messageID` (a record that is rewritten whole is mapped again). */
  clearParts(messageID: string): void {
    this.messages.get(messageID)?.parts.clear();
  }

  /** Whether the session has any message yet. */
  get empty(): boolean {
    return this.messages.size === 0;
  }

  /**
   * The session, then each message (by id) followed by its parts (by id). Message and part data are the stored
   * objects themselves, never changed in place (every change stores a new object), so a caller may keep them and
   * tell a changed item by its identity; the session is a copy.
   */
  items(): Item[] {
    const items: Item[] = [{ type: "session", data: structuredClone(this.session) as Item["data"] & { id: string } }];
    const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    for (const id of [...this.messages.keys()].sort(byId)) {
      const entry = this.messages.get(id)!;
      items.push({ type: "message", data: entry.info as { id: string } });
      for (const partId of [...entry.parts.keys()].sort(byId)) {
        items.push({ type: "part", data: entry.parts.get(partId)! as never });
      }
    }
    return items;
  }
}

/** The item type that carries a subagent's session inside its parent's share (docs/agents.md, "Subagents"). */
export const CHILD_SESSION_TYPE_PREFIX = "child_session.";

/**
 * A child conversation's items as they travel in the parent's share: its session as a `child_session.<id>` item
 * (one key per child; the share's own `session` key stays the parent's), its messages and parts unchanged (their
 * `sessionID` names the child).
 */
export function childItems(items: Item[]): Item[] {
  return items.map((item) =>
    item.type === "session"
      ? { type: `${CHILD_SESSION_TYPE_PREFIX}${(item.data as Data).id as string}`, data: item.data }
      : item,
  );
}

/** The first line of `text`, at most `max` characters, for titles. */
export function titleOf(text: string, max = 100): string {
  const line = text.trim().split("\n", 1)[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
