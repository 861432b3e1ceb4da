import { createMemo, For } from "solid-js";
import { displayText } from "../lib/text";
import { Clamp } from "./Clamp";

function lineClass(line: string): string {
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+++") || line.startsWith("---")) return "diff-file";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "diff-context";
}

/** A unified diff (as the `edit` tool's `metadata.diff` carries it), one coloured line per span, as text. */
export function DiffBlock(props: { diff: string }) {
  const lines = createMemo(() =>
    displayText(props.diff)
      .replace(/\n$/, "")
      .split("\n")
      // The `Index:` / `=====` preamble repeats the file name the tool header already shows.
      .filter((line) => !line.startsWith("Index: ") && !/^=+$/.test(line)),
  );
  return (
    <Clamp total={lines().length} lines={24}>
      <pre class="diff">
        <For each={lines()}>{(line) => <span class={lineClass(line)}>{`${line}\n`}</span>}</For>
      </pre>
    </Clamp>
  );
}
