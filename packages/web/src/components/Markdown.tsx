import { createMemo } from "solid-js";
import { renderMarkdown } from "../lib/markdown";

/** Markdown from the model or the user, sanitized (see lib/markdown.ts) before it is set as HTML. */
export function Markdown(props: { text: string }) {
  const html = createMemo(() => renderMarkdown(props.text));
  return <div class="markdown" innerHTML={html()} />;
}
