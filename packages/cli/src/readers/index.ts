/** The transcript readers by agent. */
import type { AgentId } from "../conversation.ts";
import { createClaudeReader } from "./claude.ts";
import { createCodexReader } from "./codex.ts";
import { createGeminiReader } from "./gemini.ts";
import type { ReaderOptions, TranscriptReader } from "./types.ts";

export type { ReaderOptions, TranscriptReader } from "./types.ts";

/** A fresh reader of `agent`'s transcript format. */
export function createReader(agent: AgentId, options: ReaderOptions): TranscriptReader {
  switch (agent) {
    case "claude":
      return createClaudeReader(options);
    case "codex":
      return createCodexReader(options);
    case "gemini":
      return createGeminiReader(options);
  }
}

/**
 * Reads a whole transcript text at once: the items a follower ends with after reading the same text in pieces.
 */
export function readTranscript(agent: AgentId, options: ReaderOptions, text: string) {
  const reader = createReader(agent, options);
  for (const line of text.split("\n")) reader.push(line);
  return reader;
}
