import { Show } from "solid-js";
import { rec, str } from "../../../lib/data";
import { Markdown } from "../../Markdown";
import type { ToolRenderer } from "./types";

/** `skill`: the agent loaded a skill; its name in the header, the instructions it read collapsed below. */
export const skill: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.name) ?? str(rec(state.metadata)?.name),
  Body(props) {
    return (
      <Show when={str(props.state.output)}>
        {(output) => (
          <details class="skill-content">
            <summary>Skill instructions</summary>
            <Markdown text={output()} />
          </details>
        )}
      </Show>
    );
  },
};
