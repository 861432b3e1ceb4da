import type { Component } from "solid-js";

/** Props of a tool body: the tool part and its `state` (`{status, input, output?, metadata?, title?, …}`). */
export interface ToolBodyProps {
  part: Record<string, unknown>;
  state: Record<string, unknown>;
  cwd?: string;
}

/** How one tool is shown: a one-line summary for the header and a body. */
export interface ToolRenderer {
  /**
   * The header's summary (a path, a pattern, a description). `undefined` or `""`: the state's `title` instead;
   * `null`: no summary (the body already says it all).
   */
  summary?: (state: Record<string, unknown>, cwd: string | undefined) => string | null | undefined;
  /** Small facts for the header's right side (`+12 −3`, `4 matches`), when the tool has any. */
  facts?: (state: Record<string, unknown>) => { text: string; kind?: "add" | "del" | "warn" }[];
  Body: Component<ToolBodyProps>;
}
