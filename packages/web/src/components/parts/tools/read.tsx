import { createMemo, Show } from "solid-js";
import { num, rec, str } from "../../../lib/data";
import { relativePath } from "../../../lib/format";
import { extensionOf } from "../../../lib/session";
import { Code } from "../../Code";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/**
 * The lines inside the `<content>` wrapper of the read tool's output, which numbers them `N: text`. Returns the
 * text without the numbers and the first line's number, or `undefined` when the output has another shape.
 */
export function readContent(output: string | undefined): { text: string; start: number } | undefined {
  if (output === undefined) return undefined;
  const match = /<content>\n?([\s\S]*?)\n?<\/content>/.exec(output);
  const body = match ? match[1]! : output;
  const lines = body.split("\n");
  // The CLI's footer ("(End of file - total 12 lines)") follows a blank line after the numbered lines.
  const numbered: string[] = [];
  let start: number | undefined;
  for (const line of lines) {
    const hit = /^(\d+): ?(.*)$/.exec(line);
    if (!hit) break;
    start ??= Number(hit[1]);
    numbered.push(hit[2]!);
  }
  if (start === undefined) return undefined;
  return { text: numbered.join("\n"), start };
}

/** `read`: the file and the range read in the header; the lines read, numbered and highlighted. */
export const read: ToolRenderer = {
  summary: (state, cwd) => {
    const path = str(rec(state.input)?.filePath);
    return path === undefined ? undefined : relativePath(path, cwd);
  },
  facts: (state) => {
    const display = rec(rec(state.metadata)?.display);
    const from = num(display?.lineStart);
    const to = num(display?.lineEnd);
    const total = num(display?.totalLines);
    if (from === undefined || to === undefined) return [];
    return [
      {
        text:
          total !== undefined && !(from === 1 && to === total)
            ? `lines ${from}–${to} of ${total}`
            : `${to - from + 1} lines`,
      },
    ];
  },
  Body(props) {
    const path = () => str(rec(props.state.input)?.filePath);
    const content = createMemo(() => readContent(str(props.state.output)));
    const preview = () => str(rec(props.state.metadata)?.preview);
    return (
      <Show
        when={content()}
        fallback={
          <Show when={preview()} fallback={<ToolOutput state={props.state} lines={10} />}>
            {(text) => <Code text={text()} language={extensionOf(path())} startLine={1} lines={10} />}
          </Show>
        }
      >
        {(read) => <Code text={read().text} language={extensionOf(path())} startLine={read().start} lines={10} />}
      </Show>
    );
  },
};
