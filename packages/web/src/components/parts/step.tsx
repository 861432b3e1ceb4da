import { Show } from "solid-js";
import { num, rec, str } from "../../lib/data";
import { formatCost, formatTokens } from "../../lib/format";
import type { PartProps } from "./types";

/**
 * A `step-finish` part, shown only when the reader asks for step details: the step's tokens and cost on one quiet
 * line (why it stopped, input, output, reasoning and cache tokens, USD).
 */
export function StepFinishPart(props: PartProps) {
  const tokens = () => rec(props.part.tokens);
  const cache = () => rec(tokens()?.cache);
  const reason = () => str(props.part.reason);
  return (
    <p class="step-meta">
      <span>step{reason() ? ` · ${reason()}` : ""}</span>
      <span>in {formatTokens(num(tokens()?.input) ?? 0)}</span>
      <span>out {formatTokens(num(tokens()?.output) ?? 0)}</span>
      <Show when={num(tokens()?.reasoning)}>{(value) => <span>reasoning {formatTokens(value())}</span>}</Show>
      <Show when={num(cache()?.read)}>{(value) => <span>cache read {formatTokens(value())}</span>}</Show>
      <Show when={num(cache()?.write)}>{(value) => <span>cache write {formatTokens(value())}</span>}</Show>
      <span>{formatCost(num(props.part.cost) ?? 0)}</span>
    </p>
  );
}
