import { SHARE_ID_PATTERN } from "@shareroom/shared";
import { createEffect, For, Match, Show, Switch } from "solid-js";
import { ConnectionStatus } from "../components/ConnectionStatus";
import { MessageView } from "../components/MessageView";
import { ShareHeader } from "../components/ShareHeader";
import { ShareContext, useShare } from "../components/share-context";
import { str } from "../lib/data";
import { followShare } from "../lib/live";
import { Notice } from "./not-found";

function ShareNotFound() {
  return (
    <Notice title="Share not found" testId="share-not-found">
      <p>No share has this address. It may never have existed, or its owner unshared it.</p>
    </Notice>
  );
}

function ShareView() {
  const share = useShare();
  createEffect(() => {
    document.title = `${str(share.store.session()?.title)?.trim() || "Shared session"} · shareroom`;
  });
  return (
    <div class="share">
      <ShareHeader />
      <main class="messages">
        <For each={share.store.index().messageIds}>
          {(id, index) => <MessageView id={id} previousId={share.store.index().messageIds[index() - 1]} />}
        </For>
        <Show when={share.store.index().messageIds.length === 0}>
          <p class="empty muted" data-testid="share-empty">
            Nothing shared yet. Messages appear here as soon as the session sends them.
          </p>
        </Show>
      </main>
      <footer class="share-footer muted">
        Shared with <a href="/">shareroom</a>
      </footer>
    </div>
  );
}

/** `/share/:id`: the share, loaded from its snapshot and kept live over its WebSocket. */
export default function SharePage(props: { id: string }) {
  // An id this server could never have issued is not worth a request.
  if (!SHARE_ID_PATTERN.test(props.id)) return <ShareNotFound />;
  const share = followShare(props.id);
  return (
    <Switch>
      <Match when={share.load() === "loading"}>
        <p class="loading muted" data-testid="share-loading">
          Loading share…
        </p>
      </Match>
      <Match when={share.load() === "not_found"}>
        <ShareNotFound />
      </Match>
      <Match when={share.load() === "deleted"}>
        <Notice title="This share was deleted" testId="share-deleted">
          <p>Its owner unshared the session; nothing of it is kept here any more.</p>
          <p>
            <ConnectionStatus state="deleted" />
          </p>
        </Notice>
      </Match>
      <Match when={share.load() === "error"}>
        <Notice title="This share could not be loaded" testId="share-error">
          <p>The server did not answer as expected. It may be restarting.</p>
          <p>
            <button type="button" class="button" onClick={() => share.retry()}>
              Try again
            </button>
          </p>
        </Notice>
      </Match>
      <Match when={share.load() === "ready"}>
        <ShareContext.Provider value={share}>
          <ShareView />
        </ShareContext.Provider>
      </Match>
    </Switch>
  );
}
