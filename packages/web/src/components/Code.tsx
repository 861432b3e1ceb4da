import { createEffect, createMemo, createSignal, on, onCleanup, Show } from "solid-js";
import { grammarOf, highlight, highlightNow } from "../lib/highlight";
import { hasRedaction } from "../lib/redaction";
import { focusableWhenScrolling } from "../lib/scroll-focus";
import { countLines, cutText, displayText } from "../lib/text";
import { Clamp } from "./Clamp";
import { RedactedText } from "./RedactedText";

/**
 * Untrusted source code (a file written or read) as text, then coloured by highlight.js once its grammar has loaded
 * (lib/highlight.ts). The colours change nothing else, so the block keeps its size. Text with redaction markers stays
 * plain so the markers show as badges. `startLine` adds a line-number gutter; `lines` clamps (default 16). Code too
 * large to lay out at once (`cutText`) is rendered, and coloured, cut to its first lines until "Show all".
 */
export function Code(props: { text: string; language?: string; startLine?: number; lines?: number }) {
  const whole = createMemo(() => displayText(props.text).replace(/\n$/, ""));
  const [all, setAll] = createSignal(false);
  const cut = createMemo(() => (all() ? undefined : cutText(whole(), (props.lines ?? 16) + 2)));
  /** What is rendered: the whole text, or its start while cut. */
  const text = () => cut() ?? whole();
  const grammar = createMemo(() => (hasRedaction(text()) ? undefined : grammarOf(props.language)));
  const lineCount = createMemo(() => countLines(whole()));
  const shownLines = () => (cut() === undefined ? lineCount() : countLines(text()));
  const [later, setLater] = createSignal<string>();
  // Coloured at once when highlight.js and the grammar are already loaded (no flash of plain text).
  const now = createMemo(() => {
    const name = grammar();
    return name ? highlightNow(text(), name) : undefined;
  });
  createEffect(
    on([text, grammar], ([value, name]) => {
      setLater(undefined);
      if (!name || now() !== undefined) return;
      let alive = true;
      onCleanup(() => {
        alive = false;
      });
      void highlight(value, name).then((html) => {
        if (alive && html !== undefined) setLater(html);
      });
    }),
  );
  const html = () => now() ?? later();
  const gutter = createMemo(() => {
    const start = props.startLine;
    if (start === undefined) return undefined;
    return Array.from({ length: shownLines() }, (_, i) => String(start + i)).join("\n");
  });
  return (
    <Clamp total={lineCount()} lines={props.lines ?? 16} cut={cut() !== undefined} onToggle={setAll}>
      <div class="code-block" data-language={grammar() ?? "text"}>
        <Show when={gutter()}>
          <pre class="gutter" aria-hidden="true">
            {gutter()}
          </pre>
        </Show>
        <pre class="code" ref={(element) => focusableWhenScrolling(element, "Code, scrolls sideways")}>
          <Show
            when={html()}
            fallback={
              <code>
                <RedactedText text={text()} />
              </code>
            }
          >
            {(coloured) => <code class="hljs" innerHTML={coloured()} />}
          </Show>
        </pre>
      </div>
    </Clamp>
  );
}
