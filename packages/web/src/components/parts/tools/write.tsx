import { createMemo, Show } from "solid-js";
import { rec, str } from "../../../lib/data";
import { diagnosticsOf } from "../../../lib/diff";
import { relativePath } from "../../../lib/format";
import { extensionOf } from "../../../lib/session";
import { Code } from "../../Code";
import { Diagnostics } from "../../Diagnostics";
import type { ToolRenderer } from "./types";

/** `write`: the file in the header (new or overwritten), the content written, highlighted, and its diagnostics. */
export const write: ToolRenderer = {
  summary: (state, cwd) => {
    const path = str(rec(state.input)?.filePath);
    return path === undefined ? undefined : relativePath(path, cwd);
  },
  facts: (state) => {
    const exists = rec(state.metadata)?.exists;
    return exists === true ? [{ text: "overwritten", kind: "warn" }] : exists === false ? [{ text: "new file" }] : [];
  },
  Body(props) {
    const path = () => str(rec(props.state.input)?.filePath);
    const diagnostics = createMemo(() => {
      const file = path();
      return diagnosticsOf(props.state.metadata, file ? [file] : []);
    });
    return (
      <>
        <Show when={str(rec(props.state.input)?.content)}>
          {(content) => <Code text={content()} language={extensionOf(path())} startLine={1} lines={14} />}
        </Show>
        <Diagnostics items={diagnostics()} />
      </>
    );
  },
};
