import { Show } from "solid-js";
import { rec, str } from "../../../lib/data";
import { isSafeLink } from "../../../lib/markdown";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** An http(s) URL the agent used, as a link that opens in a new tab and tells the site nothing about this page. */
function ExternalLink(props: { url: string }) {
  const safe = () => /^https?:\/\//i.test(props.url) && isSafeLink(props.url);
  return (
    <Show when={safe()} fallback={<span class="mono">{props.url}</span>}>
      <a class="mono" href={props.url} target="_blank" rel="noopener noreferrer nofollow">
        {props.url}
      </a>
    </Show>
  );
}

/** `webfetch`: the URL (and format) in the header, a link to it, and what came back, as text. */
export const webfetch: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.url),
  facts: (state) => {
    const format = str(rec(state.input)?.format);
    return format ? [{ text: format }] : [];
  },
  Body(props) {
    return (
      <>
        <Show when={str(rec(props.state.input)?.url)}>
          {(url) => (
            <p class="small">
              <ExternalLink url={url()} />
            </p>
          )}
        </Show>
        <ToolOutput state={props.state} lines={10} />
      </>
    );
  },
};

/** `websearch` (and `codesearch`): the query in the header, the results as text. */
export const websearch: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.query),
  Body(props) {
    return <ToolOutput state={props.state} lines={12} />;
  },
};
