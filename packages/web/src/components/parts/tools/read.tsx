import { rec, str } from "../../../lib/data";
import { relativePath } from "../../../lib/format";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** The file text inside the `<path>…<content>…</content>` wrapper the read tool puts around it. */
function contentOf(output: string | undefined): string | undefined {
  if (output === undefined) return undefined;
  const match = /<content>\n?([\s\S]*?)\n?<\/content>/.exec(output);
  return match ? match[1] : output;
}

/** `read`: the file path and the lines read (numbered, as the model saw them). */
export const read: ToolRenderer = {
  summary: (state, cwd) => {
    const path = str(rec(state.input)?.filePath);
    return path === undefined ? undefined : relativePath(path, cwd);
  },
  Body(props) {
    return <ToolOutput state={props.state} text={contentOf(str(props.state.output))} lines={10} />;
  },
};
