/** What the renderer harness (harness.tsx) offers the tests, as `window.harness` in the page. */
import type { DiffSource } from "../../src/lib/diff";

export interface HarnessApi {
  /** Renders a part (any type, through the page's dispatcher) as case `name`. */
  part(name: string, part: Record<string, unknown>, cwd?: string): void;
  /** Renders markdown as case `name`. */
  markdown(name: string, text: string): void;
  /** Renders untrusted text as case `name`. */
  text(name: string, text: string): void;
  /** Renders a diff as case `name`. */
  diff(name: string, source: DiffSource, file?: string): void;
  /**
   * Renders a whole share from its items (each given the next seq) as case `name`: its header and its own
   * session's messages, as the share page shows them.
   */
  share(name: string, items: { type: string; data: unknown }[]): void;
  /** Turns step details on or off. */
  steps(on: boolean): void;
  /** Sets the diff layout. */
  diffMode(mode: "unified" | "split"): void;
}

declare global {
  interface Window {
    harness: HarnessApi;
  }
}
