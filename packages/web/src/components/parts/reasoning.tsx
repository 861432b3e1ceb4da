import { Show } from "solid-js";
import { num, rec, str } from "../../lib/data";
import { formatDuration } from "../../lib/format";
import { durationOf } from "../../lib/session";
import { Markdown } from "../Markdown";
import type { PartProps } from "./types";

/** A `reasoning` part: the model's thinking, collapsed by default. */
export function ReasoningPart(props: PartProps) {
  const time = () => rec(props.part.time);
  const duration = () => durationOf(time());
  return (
    <details class="reasoning">
      <summary>
        Thinking
        <Show when={duration()}>{(ms) => <span class="muted"> · {formatDuration(ms())}</span>}</Show>
        <Show when={num(time()?.end) === undefined}>
          <span class="muted"> · in progress</span>
        </Show>
      </summary>
      <Markdown text={str(props.part.text) ?? ""} />
    </details>
  );
}
