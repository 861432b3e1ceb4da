import { rec, str } from "../../../lib/data";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** `webfetch`: the URL in the header (as text: it was fetched by the agent, not vetted for the reader) and what came back. */
export const webfetch: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.url),
  Body(props) {
    return <ToolOutput state={props.state} lines={10} />;
  },
};
