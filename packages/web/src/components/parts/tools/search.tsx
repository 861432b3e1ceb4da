import { num, rec, str } from "../../../lib/data";
import { relativePath } from "../../../lib/format";
import { relativeLines, ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/**
 * `glob`, `grep` and `list`: the pattern and where in the header with the number of hits; the hits below, with
 * paths relative to the session's directory.
 */
export const search: ToolRenderer = {
  summary: (state, cwd) => {
    const input = rec(state.input);
    const pattern = str(input?.pattern);
    const path = str(input?.path);
    const include = str(input?.include);
    return [pattern, include ? `(${include})` : undefined, path ? `in ${relativePath(path, cwd)}` : undefined]
      .filter((part) => part !== undefined)
      .join(" ");
  },
  facts: (state) => {
    const metadata = rec(state.metadata);
    const count = num(metadata?.count) ?? num(metadata?.matches);
    const facts: { text: string; kind?: "warn" }[] = [];
    if (count !== undefined) facts.push({ text: `${count} ${count === 1 ? "match" : "matches"}` });
    if (metadata?.truncated === true) facts.push({ text: "truncated", kind: "warn" });
    return facts;
  },
  Body(props) {
    const output = () => {
      const text = str(props.state.output);
      return text === undefined ? undefined : relativeLines(text, props.cwd);
    };
    return <ToolOutput state={props.state} text={output()} lines={10} />;
  },
};
