import { Show } from "solid-js";
import { str } from "../../../lib/data";
import { TextBlock } from "../../TextBlock";

/** The tool's `state.output` (or `text`) as text, when there is any: never parsed as HTML, clamped. */
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

/** `path` relative to `cwd` in every line of `text` (search results list absolute paths). */
export function relativeLines(text: string, cwd: string | undefined): string {
  if (!cwd) return text;
  const base = cwd.endsWith("/") ? cwd : `${cwd}/`;
  return text.split(base).join("");
}
