import { createMemo } from "solid-js";
import { displayText } from "../lib/text";
import { Clamp } from "./Clamp";
import { RedactedText } from "./RedactedText";

/**
 * Untrusted text (tool output, prompts) in a `<pre>`, set as text — never parsed as HTML — with redaction markers
 * as badges, and clamped to `lines` lines (default 14) with "Show all".
 */
export function TextBlock(props: { text: string; class?: string; lines?: number }) {
  const text = createMemo(() => displayText(props.text));
  const total = createMemo(() => {
    let lines = 1;
    for (let i = text().indexOf("\n"); i !== -1; i = text().indexOf("\n", i + 1)) lines++;
    return lines;
  });
  return (
    <Clamp total={total()} lines={props.lines} long={text().length > 6000}>
      <pre class={props.class}>
        <RedactedText text={text()} />
      </pre>
    </Clamp>
  );
}
