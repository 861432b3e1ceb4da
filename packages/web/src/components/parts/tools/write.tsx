import { Show } from "solid-js";
import { rec, str } from "../../../lib/data";
import { relativePath } from "../../../lib/format";
import { TextBlock } from "../../TextBlock";
import type { ToolRenderer } from "./types";

/** `write`: the file path and the content written. */
export const write: ToolRenderer = {
  summary: (state, cwd) => {
    const path = str(rec(state.input)?.filePath);
    return path === undefined ? undefined : relativePath(path, cwd);
  },
  Body(props) {
    return (
      <Show when={str(rec(props.state.input)?.content)}>
        {(content) => <TextBlock class="code" text={content()} lines={12} />}
      </Show>
    );
  },
};
