import { createSignal, onMount } from "solid-js";
import { copyText } from "../lib/ui";

/** `/`: what shareroom is, and the exact `opencode.json` that points the CLI at this server. */
export default function LandingPage() {
  // The CLI joins `<enterprise.url>/api/share` as strings: the origin exactly, no trailing slash.
  const snippet = JSON.stringify({ enterprise: { url: location.origin } }, null, 2);
  const [copied, setCopied] = createSignal(false);
  onMount(() => {
    document.title = "shareroom";
  });
  // When the clipboard refuses, the snippet is still selectable text: copying by hand works.
  const copy = async () => {
    if (!(await copyText(snippet))) return;
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };
  return (
    <main class="landing">
      <p class="landing-brand">
        <img src="/favicon.svg" alt="" width="28" height="28" /> shareroom
      </p>
      <h1>Share your opencode sessions from your own server</h1>
      <p class="lead">
        shareroom is a self-hosted, live share server for the <strong>opencode</strong> coding agent. Share a session
        from the CLI and anyone with the link follows it here as it happens: every message, every tool call, every diff.
        Nothing leaves this server.
      </p>

      <h2>1. Point opencode at this server</h2>
      <p>
        Put this in <code>~/.config/opencode/opencode.json</code> (or in a project's <code>opencode.json</code>):
      </p>
      <div class="snippet">
        <pre class="code" data-testid="config-snippet">
          {snippet}
        </pre>
        <button type="button" class="button snippet-copy" onClick={copy}>
          {copied() ? "Copied" : "Copy"}
        </button>
      </div>
      <h2>2. Share</h2>
      <p>
        Run <code>/share</code> inside opencode, or <code>opencode run --share "…"</code>. The link it prints opens the
        session here; <code>/unshare</code> deletes it from this server for good.
      </p>

      <h2>What a share shows</h2>
      <ul class="features">
        <li>
          <strong>Live</strong>: new messages and tool calls appear as the agent works; the view holds still while you
          read further up.
        </li>
        <li>
          <strong>Everything the agent did</strong>: commands and their output, edits as diffs (unified or split), files
          read and written, todo lists, subagents, errors and interrupted turns.
        </li>
        <li>
          <strong>What it cost</strong>: models, tokens, cost and the files changed, per turn and in total.
        </li>
        <li>
          <strong>Safe to open</strong>: secrets the server recognises are redacted before anything is stored; output is
          shown as text and markdown is sanitized; the page talks to no other site and stays out of search engines.
        </li>
        <li>
          <strong>For agents too</strong>: every share is also plain markdown at <code>/share/&lt;id&gt;.md</code>, and{" "}
          <code>opencode import &lt;share link&gt;</code> brings it back into opencode.
        </li>
      </ul>
      <p class="muted small">
        Operators: the list of shares is at <a href="/admin">/admin</a> (needs the server's admin token).
      </p>
    </main>
  );
}
