import { createMemo, createSignal } from "solid-js";
import { countLines, cutText, displayText } from "../lib/text";
import { Clamp } from "./Clamp";
import { RedactedText } from "./RedactedText";

/**
 * Untrusted text (tool output, prompts) in a `<pre>`, set as text — never parsed as HTML — with redaction markers
 * as badges, and clamped to `lines` lines (default 14) with "Show all". A text too large to lay out at once
 * (`cutText`) is rendered cut to its first lines until "Show all".
 */
export function TextBlock(props: { text: string; class?: string; lines?: number }) {
  const text = createMemo(() => displayText(props.text));
  const [all, setAll] = createSignal(false);
  const cut = createMemo(() => (all() ? undefined : cutText(text(), (props.lines ?? 14) + 2)));
  const total = createMemo(() => countLines(text()));
  return (
    <Clamp total={total()} lines={props.lines} long={text().length > 6000} cut={cut() !== undefined} onToggle={setAll}>
      <pre class={props.class}>
        <RedactedText text={cut() ?? text()} />
      </pre>
    </Clamp>
  );
}
