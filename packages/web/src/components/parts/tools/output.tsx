import { Show } from "solid-js";
import { str } from "../../../lib/data";
import { TextBlock } from "../../TextBlock";

/** The tool's `state.output` as text, when it has one. */
export function ToolOutput(props: { state: Record<string, unknown>; text?: string; lines?: number }) {
  const text = () => props.text ?? str(props.state.output);
  return (
    <Show when={text()}>
      {(output) => (
        <div class="tool-output">
          <TextBlock class="output" text={output()} lines={props.lines} />
        </div>
      )}
    </Show>
  );
}
