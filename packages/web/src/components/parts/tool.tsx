import { createMemo, createSignal, For, onCleanup, Show } from "solid-js";
import { Dynamic } from "solid-js/web";
import { normalizeInput } from "../../lib/agent-tools";
import { arr, num, rec, str } from "../../lib/data";
import { formatDuration } from "../../lib/format";
import { Permalink } from "../Permalink";
import { TextBlock } from "../TextBlock";
import { FilePart } from "./file";
import { toolLabel, toolRenderer } from "./tools";
import type { PartProps } from "./types";

/** Durations shorter than this (ms) are not worth showing (the upstream page's rule). */
const SHOW_DURATION_FROM_MS = 2000;

/** The current time, ticking every second while a component that reads it lives (for "running for 12s"). */
function createClock() {
  const [now, setNow] = createSignal(Date.now());
  const timer = setInterval(() => setNow(Date.now()), 1000);
  onCleanup(() => clearInterval(timer));
  return now;
}

const STATUS_LABELS: Record<string, string> = {
  pending: "queued",
  running: "running",
  completed: "done",
  error: "failed",
};

/**
 * A `tool` part: a header (tool, summary, facts, status, duration, link) around the tool's own body, its
 * attachments, and the error of a failed call. `state.status` is `pending`, `running`, `completed` or `error`;
 * a running tool shows how long it has been running.
 */
export function ToolPart(props: PartProps) {
  const tool = () => str(props.part.tool) ?? "tool";
  // Other agents' inputs are read in opencode's field names (lib/agent-tools.ts).
  const state = createMemo((): Record<string, unknown> => {
    const own = rec(props.part.state) ?? {};
    return own.input === undefined ? own : { ...own, input: normalizeInput(own.input) };
  });
  const status = () => str(state().status) ?? "unknown";
  const renderer = createMemo(() => toolRenderer(tool()));
  // A tool mapped to opencode's name keeps the agent's own in `metadata.agentTool`, and is shown by it.
  const label = createMemo(() => toolLabel(str(rec(props.part.metadata)?.agentTool) ?? tool()));
  const summary = () => {
    const own = renderer().summary?.(state(), props.cwd);
    return own === null ? undefined : own || str(state().title);
  };
  const facts = () => renderer().facts?.(state()) ?? [];
  const start = () => num(rec(state().time)?.start);
  const end = () => num(rec(state().time)?.end);
  const active = () => status() === "running" || status() === "pending";
  const clock = createMemo(() => (active() ? createClock() : undefined));
  const duration = () => {
    const from = start();
    if (from === undefined) return undefined;
    const ticking = clock();
    const to = end() ?? (ticking ? ticking() : undefined);
    if (to === undefined || to < from) return undefined;
    return active() || to - from >= SHOW_DURATION_FROM_MS ? to - from : undefined;
  };
  const partId = () => str(props.part.id) ?? "";
  const attachments = () =>
    arr(state().attachments)
      .map(rec)
      .filter((file): file is Record<string, unknown> => file !== undefined);
  return (
    // An article, not a <section>: a region landmark per call would give a page of identically named landmarks.
    <article
      class="tool"
      data-tool={tool()}
      data-status={status()}
      aria-label={`${label().name} tool call${summary() ? `: ${String(summary()).slice(0, 80)}` : ""}`}
    >
      <header class="tool-head">
        <span class="tool-name">
          <Show when={label().server}>
            <span class="tool-server">{label().server}</span>
          </Show>
          {label().name}
        </span>
        <Show when={summary()}>
          <span class="tool-summary">{summary()}</span>
        </Show>
        <span class="tool-meta">
          <For each={facts()}>
            {(fact) => (
              <span class="tool-fact" data-kind={fact.kind}>
                {fact.text}
              </span>
            )}
          </For>
          <Show when={duration() !== undefined}>
            <span class="muted">{formatDuration(duration()!)}</span>
          </Show>
          <Show when={status() !== "completed"}>
            <span class="tool-status" data-status={status()}>
              <Show when={active()}>
                <span class="spinner" aria-hidden="true" />
              </Show>
              {STATUS_LABELS[status()] ?? status()}
            </span>
          </Show>
          <Show when={partId()}>
            <Permalink id={partId()} label={`this ${label().name} call`} />
          </Show>
        </span>
      </header>
      <div class="tool-body">
        <Dynamic component={renderer().Body} part={props.part} state={state()} cwd={props.cwd} />
        <Show when={attachments().length > 0}>
          <div class="tool-attachments">
            <For each={attachments()}>{(file) => <FilePart part={file} cwd={props.cwd} />}</For>
          </div>
        </Show>
        <Show when={status() === "error"}>
          <TextBlock class="tool-error" text={str(state().error) ?? "The tool failed."} lines={8} />
        </Show>
      </div>
    </article>
  );
}
