import { Show } from "solid-js";
import { rec, str } from "../../../lib/data";
import { TextBlock } from "../../TextBlock";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** `task`: work delegated to a subagent; its child session is not part of the share, so only the result shows. */
export const task: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.description),
  Body(props) {
    const input = () => rec(props.state.input);
    return (
      <>
        <Show when={str(input()?.subagent_type)}>{(agent) => <p class="muted small">Subagent: {agent()}</p>}</Show>
        <Show when={str(input()?.prompt)}>{(prompt) => <TextBlock text={prompt()} lines={4} />}</Show>
        <ToolOutput state={props.state} lines={10} />
      </>
    );
  },
};
