import { onMount } from "solid-js";

/** `/`: what shareroom is, and the `opencode.json` that points the CLI at this server. */
export default function LandingPage() {
  const snippet = JSON.stringify({ enterprise: { url: location.origin } }, null, 2);
  onMount(() => {
    document.title = "shareroom";
  });
  return (
    <main class="landing">
      <h1>shareroom</h1>
      <p class="lead">
        A self-hosted, live share server for the <strong>opencode</strong> coding agent. Share a session from the CLI
        and anyone with the link watches it unfold here, message by message, tool call by tool call.
      </p>
      <h2>Point opencode at this server</h2>
      <p>
        Put this in <code>~/.config/opencode/opencode.json</code> (or a project's <code>opencode.json</code>):
      </p>
      <pre class="code" data-testid="config-snippet">
        {snippet}
      </pre>
      <p>
        Then run <code>/share</code> in opencode (or <code>opencode run --share …</code>). The link it prints opens the
        session on this site; <code>/unshare</code> deletes it here too.
      </p>
      <h2>What a share shows</h2>
      <ul>
        <li>Every message and tool call, updating live while the session runs.</li>
        <li>Tool output as plain text; markdown from the model sanitized before it is shown.</li>
        <li>Share links are unguessable and kept out of search engines.</li>
      </ul>
    </main>
  );
}
