import { Show } from "solid-js";
import { num, rec, str } from "../../../lib/data";
import { TextBlock } from "../../TextBlock";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/**
 * `bash`: the description, the command, its output (streamed into `metadata.output` while running) and a non-zero
 * exit code.
 */
export const bash: ToolRenderer = {
  // The title is the command itself, which the body shows in full.
  summary: (state) => str(rec(state.input)?.description) ?? null,
  Body(props) {
    const input = () => rec(props.state.input);
    const metadata = () => rec(props.state.metadata);
    const exit = () => num(metadata()?.exit);
    return (
      <>
        <TextBlock class="command" text={`$ ${str(input()?.command) ?? ""}`} lines={6} />
        <ToolOutput state={props.state} text={str(props.state.output) ?? str(metadata()?.output)} />
        <Show when={exit() !== undefined && exit() !== 0}>
          <p class="exit-code">exit code {exit()}</p>
        </Show>
      </>
    );
  },
};
