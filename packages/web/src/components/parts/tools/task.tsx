import { Show } from "solid-js";
import { rec, str } from "../../../lib/data";
import { Markdown } from "../../Markdown";
import { TextBlock } from "../../TextBlock";
import type { ToolRenderer } from "./types";

/**
 * The subagent's answer inside the task tool's output, which wraps it as `<task_result>…</task_result>` (after a
 * `task_id:` line) in recent CLIs; the whole output otherwise.
 */
export function taskResult(output: string): string {
  const match = /<task_result>\n?([\s\S]*?)\n?<\/task_result>/.exec(output);
  return (match ? match[1]! : output).trim();
}

/**
 * `task`: work delegated to a subagent: the agent and description in the header, the prompt it was given, and
 * its final answer (markdown). The subagent's own session is never part of the share (protocol reference §1).
 */
export const task: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.description),
  facts: (state) => {
    const agent = str(rec(state.input)?.subagent_type);
    return agent ? [{ text: agent }] : [];
  },
  Body(props) {
    const input = () => rec(props.state.input);
    const output = () => str(props.state.output);
    return (
      <>
        <Show when={str(input()?.prompt)}>
          {(prompt) => (
            <details class="task-prompt">
              <summary>Prompt given to the {agentName(str(input()?.subagent_type))}</summary>
              <TextBlock text={prompt()} lines={12} />
            </details>
          )}
        </Show>
        <Show
          when={output()}
          fallback={
            <Show when={props.state.status === "running" || props.state.status === "pending"}>
              <p class="muted small">The subagent is working…</p>
            </Show>
          }
        >
          {(text) => (
            <div class="task-result">
              <Markdown text={taskResult(text())} />
            </div>
          )}
        </Show>
        <p class="muted small">The subagent's own session is not part of this share.</p>
      </>
    );
  },
};

/** "the explore agent", or "the subagent" when the call names none. */
function agentName(type: string | undefined): string {
  return type?.trim() ? `${type.trim()} agent` : "subagent";
}
