import { createMemo } from "solid-js";
import { displayText } from "../lib/text";
import { Clamp } from "./Clamp";

/** Untrusted text (tool output, file content) in a `<pre>`, set as text — never parsed as HTML — and clamped. */
export function TextBlock(props: { text: string; class?: string; lines?: number }) {
  const text = createMemo(() => displayText(props.text));
  const total = createMemo(() => text().split("\n").length);
  return (
    <Clamp total={total()} lines={props.lines} long={text().length > 6000}>
      <pre class={props.class}>{text()}</pre>
    </Clamp>
  );
}
