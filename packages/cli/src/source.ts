/**
 * One shared session as files on disk: the main transcript and its subagents' transcripts, each followed with a
 * {@link FileTail} and mapped by its agent's reader. {@link SessionSource.poll} reads what was appended;
 * {@link SessionSource.items} is everything the share should hold now.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Item } from "@shareroom/shared";
import { type AgentId, childItems } from "./conversation.ts";
import { sessionId } from "./ids.ts";
import { childTranscripts, cwdOfTranscript, installedVersion, nativeIdOfPath } from "./locations.ts";
import { createReader, type ReaderOptions, type TranscriptReader } from "./readers/index.ts";
import { FileTail } from "./tail.ts";

interface Followed {
  tail: FileTail;
  reader: TranscriptReader;
  options: ReaderOptions;
}

/** A Claude Code subagent's description, from `agent-<id>.meta.json` beside its transcript. */
function claudeChildTitle(path: string): string | undefined {
  try {
    const meta = JSON.parse(readFileSync(path.replace(/\.jsonl$/, ".meta.json"), "utf8"));
    return typeof meta.description === "string" ? meta.description : undefined;
  } catch {
    return undefined;
  }
}

/** The main transcript of a session and its subagents'. */
export class SessionSource {
  readonly agent: AgentId;
  readonly path: string;
  private main: Followed;
  private readonly children = new Map<string, Followed>();
  private cwd: string | undefined;
  private version: string | undefined;

  constructor(agent: AgentId, path: string) {
    this.agent = agent;
    this.path = path;
    this.cwd = agent === "gemini" ? cwdOfTranscript(agent, path) : undefined;
    this.version = agent === "gemini" ? installedVersion("gemini") : undefined;
    this.main = this.follow(path, { nativeId: nativeIdOfPath(agent, path), cwd: this.cwd, version: this.version });
  }

  /**
   * The key of this session in the share store: `<agent>:<the agent's session id>`; for Gemini CLI
   * `gemini:<chat file name>` (`session-<time>-<id8>`), which is known before the file exists, while the session id
   * is only in its first line: a share started before the chat file was written stays the same share after.
   */
  get key(): string {
    return this.agent === "gemini" ? `gemini:${basename(this.path, ".jsonl")}` : `${this.agent}:${this.nativeId}`;
  }

  /**
   * The key earlier versions stored a Gemini CLI session under, `gemini:<session id>`, while `key` finds no share;
   * `undefined` for the other agents.
   */
  get oldKey(): string | undefined {
    return this.agent === "gemini" ? `gemini:${this.nativeId}` : undefined;
  }

  /** The agent's id of the session. */
  get nativeId(): string {
    return this.main.options.nativeId;
  }

  /** The id of the session item (what `POST /api/share` is given as `sessionID`). */
  get sessionID(): string {
    return sessionId(this.agent, this.nativeId);
  }

  /** Whether the main transcript exists yet (Claude Code creates it at its first write). */
  exists = false;
  private identified = false;
  private mainLines = 0;

  private follow(path: string, options: ReaderOptions): Followed {
    return { tail: new FileTail(path), reader: createReader(this.agent, options), options };
  }

  /** Reads what every followed file appended; true when anything changed. */
  poll(): boolean {
    let changed = this.read(this.main);
    if (!this.identified && this.mainLines > 0) {
      // Codex and Gemini CLI name the session in the file's first line (Gemini's file name holds 8 characters).
      this.identified = true;
      const nativeId = nativeIdOfPath(this.agent, this.path);
      if (nativeId !== this.nativeId) {
        this.main = this.follow(this.path, { nativeId, cwd: this.cwd, version: this.version });
        changed = this.read(this.main) || changed;
      }
    }
    for (const path of childTranscripts(this.agent, this.path, this.nativeId)) {
      if (this.children.has(path)) continue;
      const childId =
        this.agent === "claude" ? basename(path, ".jsonl").replace(/^agent-/, "") : nativeIdOfPath(this.agent, path);
      const title = this.agent === "claude" ? claudeChildTitle(path) : undefined;
      this.children.set(
        path,
        this.follow(path, {
          nativeId: childId,
          cwd: this.cwd,
          version: this.version,
          child: { parentID: this.sessionID, title },
        }),
      );
    }
    for (const child of this.children.values()) changed = this.read(child) || changed;
    return changed;
  }

  private read(followed: Followed): boolean {
    let changed = false;
    for (;;) {
      const result = followed.tail.read();
      if (result.kind === "missing") return changed;
      if (followed === this.main) this.exists = true;
      if (result.kind === "reset") {
        followed.reader = createReader(this.agent, followed.options);
        changed = true;
        continue;
      }
      for (const line of result.lines) followed.reader.push(line);
      if (followed === this.main) this.mainLines += result.lines.length;
      return changed || result.lines.length > 0;
    }
  }

  /** The items of the session and of every subagent session, as the share should hold them now. */
  items(): Item[] {
    const items = this.main.reader.items();
    for (const child of this.children.values()) items.push(...childItems(child.reader.items()));
    return items;
  }

  /** The working directory of the session, once known. */
  directory(): string | undefined {
    return this.main.reader.cwd() ?? this.cwd;
  }
}
