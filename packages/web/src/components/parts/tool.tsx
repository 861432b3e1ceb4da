import { createMemo, Show } from "solid-js";
import { Dynamic } from "solid-js/web";
import { num, rec, str } from "../../lib/data";
import { formatDuration } from "../../lib/format";
import { TextBlock } from "../TextBlock";
import { toolRenderer } from "./tools";
import type { PartProps } from "./types";

/** Durations shorter than this (ms) are not worth showing (the upstream page's rule). */
const SHOW_DURATION_FROM_MS = 2000;

/**
 * A `tool` part: a header (tool, summary, status, duration) around the tool's own body, and the error of a failed
 * call. `state.status` is `pending`, `running`, `completed` or `error`.
 */
export function ToolPart(props: PartProps) {
  const tool = () => str(props.part.tool) ?? "tool";
  const state = () => rec(props.part.state) ?? {};
  const status = () => str(state().status) ?? "unknown";
  const renderer = createMemo(() => toolRenderer(tool()));
  const summary = () => {
    const own = renderer().summary?.(state(), props.cwd);
    return own === null ? undefined : own || str(state().title);
  };
  const duration = () => {
    const time = rec(state().time);
    const start = num(time?.start);
    const end = num(time?.end);
    if (start === undefined || end === undefined) return undefined;
    return end - start >= SHOW_DURATION_FROM_MS ? end - start : undefined;
  };
  return (
    <section class="tool" data-tool={tool()} data-status={status()}>
      <header class="tool-head">
        <span class="tool-name">{tool()}</span>
        <Show when={summary()}>
          <span class="tool-summary">{summary()}</span>
        </Show>
        <span class="tool-meta">
          <Show when={duration()}>{(ms) => <span class="muted">{formatDuration(ms())}</span>}</Show>
          <span class="tool-status" data-status={status()}>
            {status()}
          </span>
        </span>
      </header>
      <div class="tool-body">
        <Dynamic component={renderer().Body} part={props.part} state={state()} cwd={props.cwd} />
        <Show when={status() === "error"}>
          <TextBlock class="tool-error" text={str(state().error) ?? "The tool failed."} lines={8} />
        </Show>
      </div>
    </section>
  );
}
