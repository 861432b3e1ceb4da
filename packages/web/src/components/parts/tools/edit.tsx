import { Match, Switch } from "solid-js";
import { arr, rec, str } from "../../../lib/data";
import { relativePath } from "../../../lib/format";
import { DiffBlock } from "../../DiffBlock";
import { TextBlock } from "../../TextBlock";
import type { ToolRenderer } from "./types";

/**
 * `edit` and `apply_patch`: the unified diff from `metadata.diff`; before it exists (a running edit), the
 * old and new strings of the input.
 */
export const edit: ToolRenderer = {
  summary: (state, cwd) => {
    const path = str(rec(state.input)?.filePath);
    if (path !== undefined) return relativePath(path, cwd);
    const files = arr(rec(state.metadata)?.files);
    return files.length > 0 ? `${files.length} file${files.length === 1 ? "" : "s"}` : undefined;
  },
  Body(props) {
    const input = () => rec(props.state.input);
    const diff = () => str(rec(props.state.metadata)?.diff);
    return (
      <Switch>
        <Match when={diff()}>{(text) => <DiffBlock diff={text()} />}</Match>
        <Match when={str(input()?.newString) !== undefined}>
          <TextBlock class="diff-del-block" text={str(input()?.oldString) ?? ""} lines={8} />
          <TextBlock class="diff-add-block" text={str(input()?.newString) ?? ""} lines={8} />
        </Match>
        <Match when={str(input()?.patchText)}>{(text) => <DiffBlock diff={text()} />}</Match>
      </Switch>
    );
  },
};
