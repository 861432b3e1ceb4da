import { num, rec, str } from "../../../lib/data";
import { relativePath } from "../../../lib/format";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** `glob`, `grep` and `list`: the pattern, where, and how many hits in the header; the hits below. */
export const search: ToolRenderer = {
  summary: (state, cwd) => {
    const input = rec(state.input);
    const metadata = rec(state.metadata);
    const pattern = str(input?.pattern);
    const path = str(input?.path);
    const count = num(metadata?.count) ?? num(metadata?.matches);
    const parts = [
      pattern,
      path ? `in ${relativePath(path, cwd)}` : undefined,
      count === undefined ? undefined : `· ${count} ${count === 1 ? "match" : "matches"}`,
      metadata?.truncated === true ? "(truncated)" : undefined,
    ];
    return parts.filter((part) => part !== undefined).join(" ");
  },
  Body(props) {
    return <ToolOutput state={props.state} lines={10} />;
  },
};
