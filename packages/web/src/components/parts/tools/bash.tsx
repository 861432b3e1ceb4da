import { Show } from "solid-js";
import { num, rec, str } from "../../../lib/data";
import { Code } from "../../Code";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/**
 * `bash`: the description in the header, the command (highlighted), its output (streamed into `metadata.output`
 * while running) and a non-zero exit code, shown in the header and under the output.
 */
export const bash: ToolRenderer = {
  // The title is the command itself, which the body shows in full.
  summary: (state) => str(rec(state.input)?.description) ?? null,
  facts: (state) => {
    const exit = num(rec(state.metadata)?.exit);
    return exit !== undefined && exit !== 0 ? [{ text: `exit ${exit}`, kind: "del" }] : [];
  },
  Body(props) {
    const input = () => rec(props.state.input);
    const metadata = () => rec(props.state.metadata);
    const exit = () => num(metadata()?.exit);
    return (
      <>
        <div class="command">
          <Code text={`$ ${str(input()?.command) ?? ""}`} language="bash" lines={8} />
        </div>
        <Show when={str(input()?.workdir)}>{(dir) => <p class="muted small">in {dir()}</p>}</Show>
        <ToolOutput state={props.state} text={str(props.state.output) ?? str(metadata()?.output)} />
        <Show when={exit() !== undefined && exit() !== 0}>
          <p class="exit-code">exit code {exit()}</p>
        </Show>
        <Show when={metadata()?.truncated === true}>
          <p class="muted small">The output was truncated by the agent.</p>
        </Show>
      </>
    );
  },
};
