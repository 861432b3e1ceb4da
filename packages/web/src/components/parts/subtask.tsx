import { Show } from "solid-js";
import { str } from "../../lib/data";
import { TextBlock } from "../TextBlock";
import type { PartProps } from "./types";

/** A `subtask` part: work handed to another agent (its child session is never shared). */
export function SubtaskPart(props: PartProps) {
  return (
    <div class="part-note">
      <p>
        Subtask for <strong>{str(props.part.agent) ?? "an agent"}</strong>
        <Show when={str(props.part.description)}>{(description) => <>: {description()}</>}</Show>
      </p>
      <Show when={str(props.part.prompt)}>{(prompt) => <TextBlock text={prompt()} lines={6} />}</Show>
    </div>
  );
}
