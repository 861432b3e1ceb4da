import { For, Show } from "solid-js";
import { num, rec, str } from "../lib/data";
import { formatCost, formatDate, formatTokens } from "../lib/format";
import { ConnectionStatus } from "./ConnectionStatus";
import { useShare } from "./share-context";

/** The share's header: session title, CLI version, creation time, models used, cost, tokens and connection. */
export function ShareHeader() {
  const share = useShare();
  const session = () => share.store.session();
  const title = () => str(session()?.title)?.trim() || "Untitled session";
  const created = () => num(rec(session()?.time)?.created);
  const models = () => {
    const seen = new Map<string, string>();
    for (const id of share.store.index().messageIds) {
      const message = share.store.dataOf(`message/${id}`, "message");
      const modelId = str(message?.modelID) ?? str(rec(message?.model)?.modelID);
      if (!modelId) continue;
      const provider = str(message?.providerID) ?? str(rec(message?.model)?.providerID) ?? "";
      const key = `${provider}/${modelId}`;
      if (!seen.has(key)) seen.set(key, share.store.modelNames().get(key) ?? modelId);
    }
    return [...seen.values()];
  };
  const totals = () => share.store.totals();
  return (
    <header class="share-header">
      <div class="share-header-row">
        <h1 class="share-title">{title()}</h1>
        <ConnectionStatus state={share.connection()} />
      </div>
      <p class="share-meta muted">
        <Show when={str(session()?.version)}>{(version) => <span>opencode {version()}</span>}</Show>
        <Show when={created()}>{(ms) => <time datetime={new Date(ms()).toISOString()}>{formatDate(ms())}</time>}</Show>
        <For each={models()}>{(name) => <span class="chip">{name}</span>}</For>
      </p>
      <Show when={totals().cost > 0 || totals().input + totals().output > 0}>
        <dl class="share-stats">
          <div>
            <dt>Cost</dt>
            <dd>{formatCost(totals().cost)}</dd>
          </div>
          <div>
            <dt>Input</dt>
            <dd>{formatTokens(totals().input)}</dd>
          </div>
          <div>
            <dt>Output</dt>
            <dd>{formatTokens(totals().output)}</dd>
          </div>
          <Show when={totals().reasoning > 0}>
            <div>
              <dt>Reasoning</dt>
              <dd>{formatTokens(totals().reasoning)}</dd>
            </div>
          </Show>
          <Show when={totals().cacheRead > 0}>
            <div>
              <dt>Cache read</dt>
              <dd>{formatTokens(totals().cacheRead)}</dd>
            </div>
          </Show>
        </dl>
      </Show>
    </header>
  );
}
