import { For } from "solid-js";
import { splitRedactions } from "../lib/redaction";

/**
 * Untrusted text as text nodes, with each `[redacted:<rule>]` marker shown as a badge (lib/redaction.ts). Nothing
 * in `text` is ever parsed as HTML.
 */
export function RedactedText(props: { text: string }) {
  const segments = () => splitRedactions(props.text);
  return (
    <For each={segments()}>
      {(segment) =>
        segment.rule === undefined ? (
          segment.text
        ) : (
          <span class="redacted" title={`A secret (${segment.rule}) was removed by the server before this was stored`}>
            {segment.text}
          </span>
        )
      }
    </For>
  );
}
