import { createEffect, onCleanup } from "solid-js";
import { grammarOf, highlight, highlightNow } from "../lib/highlight";
import { renderMarkdown } from "../lib/markdown";
import { focusableWhenScrolling } from "../lib/scroll-focus";
import { copyText, toast } from "../lib/ui";

/** Colours one fenced block (`<code class="language-…">`), at once if its grammar is loaded, else when it is. */
function colour(code: HTMLElement, isAlive: () => boolean): void {
  const grammar = grammarOf(/language-(\S+)/.exec(code.className)?.[1]);
  if (!grammar || code.querySelector(".redacted")) return;
  const text = code.textContent ?? "";
  const apply = (html: string | undefined) => {
    if (html === undefined || !isAlive() || !code.isConnected) return;
    // highlight.js output: escaped text in <span class="hljs-…">; nothing from the input is markup.
    code.innerHTML = html;
    code.classList.add("hljs");
  };
  const now = highlightNow(text, grammar);
  if (now !== undefined) apply(now);
  else void highlight(text, grammar).then(apply);
}

/**
 * Markdown from the model or the user, sanitized (lib/markdown.ts) and inserted as DOM nodes; fenced code blocks
 * are highlighted lazily and get a "Copy" button.
 */
export function Markdown(props: { text: string }) {
  let root!: HTMLDivElement;
  createEffect(() => {
    let alive = true;
    onCleanup(() => {
      alive = false;
    });
    root.replaceChildren(renderMarkdown(props.text));
    for (const pre of root.querySelectorAll("pre")) {
      const code = pre.querySelector("code");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "code-copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy this code");
      button.addEventListener("click", async () => {
        toast((await copyText(code?.textContent ?? "")) ? "Code copied" : "Could not copy");
      });
      pre.classList.add("has-copy");
      pre.append(button);
      if (code) colour(code, () => alive);
    }
    for (const table of root.querySelectorAll("table")) focusableWhenScrolling(table, "Table, scrolls sideways");
  });
  return <div class="markdown" ref={root} />;
}
