import { For, Show } from "solid-js";
import { rec } from "../../../lib/data";
import { prettyJson } from "../../../lib/text";
import { TextBlock } from "../../TextBlock";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** Any other tool (MCP tools, `invalid`, `lsp`, newer tools): the input as key/value pairs, the output as text. */
export const generic: ToolRenderer = {
  Body(props) {
    const input = () => Object.entries(rec(props.state.input) ?? {});
    return (
      <>
        <Show when={input().length > 0}>
          <dl class="tool-input">
            <For each={input()}>
              {([key, value]) => (
                <>
                  <dt>{key}</dt>
                  <dd>
                    <TextBlock text={typeof value === "string" ? value : prettyJson(value)} lines={6} />
                  </dd>
                </>
              )}
            </For>
          </dl>
        </Show>
        <ToolOutput state={props.state} />
      </>
    );
  },
};
