import { For, Show } from "solid-js";
import { num, rec, str } from "../lib/data";
import { formatCost, formatDate, formatDuration, formatRelative, formatTokens } from "../lib/format";
import { agentLabel, agentOf, isRunning } from "../lib/session";
import { copyText, download, minuteClock, toast } from "../lib/ui";
import { ChangeCounts } from "./FileChanges";
import { useShare } from "./share-context";

/** The share's file name stem for downloads: its title, tamed, else its id. */
function fileStem(title: string | undefined, id: string): string {
  const stem = (title ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return stem || `share-${id}`;
}

/**
 * The share's header: title, running/ended state, the agent and its version, models, created and updated times, duration,
 * cost, tokens (input, output, reasoning, cache read and write), files changed, and the export actions. Every stat
 * is always laid out (zeros included), so values streaming in never move the page.
 */
export function ShareHeader(props: { shareId: string; onShowFiles: () => void }) {
  const share = useShare();
  const now = minuteClock();
  const session = () => share.store.session();
  const title = () => str(session()?.title)?.trim() || "Untitled session";
  const created = () => num(rec(session()?.time)?.created);
  const updated = () => share.store.updatedAt();
  const totals = () => share.store.totals();
  const files = () => share.store.files();
  const running = () => isRunning(share.store.working(), updated(), now());
  const state = () => (share.connection() !== "live" ? share.connection() : running() ? "running" : "ended");

  const copyMarkdown = async () => {
    const markdown = import("../lib/share-markdown").then(({ buildShareMarkdown }) =>
      buildShareMarkdown(share.store.items(), { url: `${location.origin}/share/${props.shareId}` }),
    );
    toast((await copyText(markdown)) ? "Markdown copied" : "Could not copy: use the Markdown link");
  };
  const downloadJson = () => {
    download(
      `${fileStem(str(session()?.title), props.shareId)}.json`,
      JSON.stringify(share.store.items(), null, 2),
      "application/json",
    );
  };

  return (
    <header class="share-header">
      <div class="share-header-row">
        <h1 class="share-title">{title()}</h1>
        <span class="run-state" data-state={state()} data-testid="run-state">
          <span class="run-dot" aria-hidden="true" />
          {state() === "running"
            ? "Live · working"
            : state() === "ended"
              ? "Ended"
              : state() === "reconnecting"
                ? "Reconnecting…"
                : state() === "full"
                  ? "Too many viewers · retrying…"
                  : state() === "connecting"
                    ? "Connecting…"
                    : "Deleted"}
        </span>
      </div>
      <p class="share-meta">
        <Show when={agentOf(session())}>{(agent) => <span data-testid="agent">{agentLabel(agent())}</span>}</Show>
        <Show when={created()}>
          {(ms) => (
            <span>
              Started <time datetime={new Date(ms()).toISOString()}>{formatDate(ms())}</time>
            </span>
          )}
        </Show>
        <Show when={updated()}>
          {(ms) => (
            <span>
              Updated{" "}
              <time datetime={new Date(ms()).toISOString()} title={formatDate(ms())}>
                {formatRelative(ms(), now())}
              </time>
            </span>
          )}
        </Show>
        <Show when={created() !== undefined && updated() !== undefined && updated()! >= created()!}>
          <span>Duration {formatDuration(updated()! - created()!)}</span>
        </Show>
        <Show when={share.store.redactions() > 0}>
          <span
            class="redacted"
            data-testid="redactions"
            title="Secrets recognised in what the agent sent were replaced before it was stored (best-effort)"
          >
            {share.store.redactions().toLocaleString()} {share.store.redactions() === 1 ? "secret" : "secrets"} redacted
          </span>
        </Show>
      </p>
      <Show when={share.store.models().length > 0}>
        <p class="share-models">
          <span class="visually-hidden">Models used: </span>
          <For each={share.store.models()}>{(name) => <span class="chip">{name}</span>}</For>
        </p>
      </Show>
      <dl class="share-stats">
        <div>
          <dt>Cost</dt>
          <dd data-testid="stat-cost">{formatCost(totals().cost)}</dd>
        </div>
        <div>
          <dt>Input</dt>
          <dd title={totals().input.toLocaleString()}>{formatTokens(totals().input)}</dd>
        </div>
        <div>
          <dt>Output</dt>
          <dd title={totals().output.toLocaleString()}>{formatTokens(totals().output)}</dd>
        </div>
        <div>
          <dt>Reasoning</dt>
          <dd title={totals().reasoning.toLocaleString()}>{formatTokens(totals().reasoning)}</dd>
        </div>
        <div>
          <dt>Cache read</dt>
          <dd title={totals().cacheRead.toLocaleString()}>{formatTokens(totals().cacheRead)}</dd>
        </div>
        <div>
          <dt>Cache write</dt>
          <dd title={totals().cacheWrite.toLocaleString()}>{formatTokens(totals().cacheWrite)}</dd>
        </div>
        <div class="stat-wide">
          <dt>Files</dt>
          <dd>
            <button
              type="button"
              class="link-button stat-files"
              onClick={() => props.onShowFiles()}
              data-testid="stat-files"
            >
              {files().files.length} changed
            </button>{" "}
            <ChangeCounts additions={files().additions} deletions={files().deletions} />
          </dd>
        </div>
      </dl>
      <div class="share-actions">
        <button type="button" class="button" onClick={copyMarkdown}>
          Copy as markdown
        </button>
        <button type="button" class="button" onClick={downloadJson}>
          Download JSON
        </button>
        <a class="button" href={`/share/${encodeURIComponent(props.shareId)}.md`} target="_blank" rel="noopener">
          Markdown
        </a>
      </div>
    </header>
  );
}
