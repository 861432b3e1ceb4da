import { SHARE_ID_PATTERN } from "@shareroom/shared/patterns";
import { createEffect, createMemo, createSignal, Match, onCleanup, onMount, Show, Switch, untrack } from "solid-js";
import { ConnectionStatus } from "../components/ConnectionStatus";
import { FilesView } from "../components/FilesView";
import { QUERY_PARAM, SearchBar, type SearchBarApi } from "../components/SearchBar";
import { ShareHeader } from "../components/ShareHeader";
import { Shortcuts } from "../components/Shortcuts";
import { ShareContext, useShare } from "../components/share-context";
import { Timeline, type TimelineApi } from "../components/Timeline";
import { TurnIndex } from "../components/TurnIndex";
import { str } from "../lib/data";
import { loadDiff } from "../lib/diff";
import { followShare } from "../lib/live";
import { createSearch } from "../lib/search";
import { isRunning } from "../lib/session";
import { linkTo, minuteClock, setShowSteps, showSteps, toastText, typingIn } from "../lib/ui";
import { Notice, ShareNotFound } from "./not-found";

type View = "conversation" | "files";

/** The view named by `?view=` (`files`, else the conversation). */
function viewFromUrl(): View {
  return new URLSearchParams(location.search).get("view") === "files" ? "files" : "conversation";
}

function ShareView(props: { id: string }) {
  const share = useShare();
  const [view, setView] = createSignal<View>(viewFromUrl());
  const [activeIndex, setActiveIndex] = createSignal(0);
  const [follow, setFollow] = createSignal({ following: true, unseen: 0, far: false });
  const now = minuteClock();
  const running = () => isRunning(share.store.working(), share.store.updatedAt(), now());
  /**
   * "Jump to latest" only when there is something to jump to: messages arrived below the reader, or the session is
   * running and the reader is far from its end. (Merely not being at the bottom is what reading is.)
   */
  const offerLatest = () => {
    const { following, unseen, far } = follow();
    return !following && (unseen > 0 || (running() && far));
  };
  let above!: HTMLDivElement;
  let timeline: TimelineApi | undefined;
  const search = createSearch(share.store);
  const initialQuery = new URLSearchParams(location.search).get(QUERY_PARAM) ?? "";
  const [finding, setFinding] = createSignal(initialQuery !== "");
  const [helping, setHelping] = createSignal(false);
  let searchBar: SearchBarApi | undefined;
  /** Where focus was when find opened: it goes back there when find closes. */
  let findOpener: Element | null = null;

  /** Opens find (or, when open, moves the cursor back into it). */
  const openFind = () => {
    if (view() !== "conversation") showView("conversation");
    if (finding()) searchBar?.focus();
    else {
      findOpener = document.activeElement;
      setFinding(true);
    }
  };

  createEffect(() => {
    document.title = `${str(share.store.session()?.title)?.trim() || "Shared session"} · shareroom`;
  });

  const messageIds = () => share.store.messageIds();
  /** The turn the reader is in: the last user message at or before the row at the top of the viewport. */
  const activeTurn = createMemo(() => {
    const turns = share.store.turns();
    const top = activeIndex();
    // Turns are in message order: binary search for the last one whose message is at or before `top`.
    let low = 0;
    let high = turns.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (turns[mid]!.index <= top) low = mid + 1;
      else high = mid;
    }
    return turns[low - 1]?.messageId;
  });

  const showView = (next: View) => {
    setView(next);
    const url = new URL(location.href);
    if (next === "files") url.searchParams.set("view", "files");
    else url.searchParams.delete("view");
    history.replaceState(history.state, "", url);
  };

  /** A deep link's id not in the share as far as it has been read yet: gone to once an older segment brings it. */
  const [pendingLink, setPendingLink] = createSignal<string>();
  /** Whether the reader has scrolled by themselves (wheel, key, touch, scrollbar) since the page opened. */
  const [readerScrolled, setReaderScrolled] = createSignal(false);
  /** The reader went elsewhere: a deep link still waiting for its segment is not to pull them back. */
  const onReaderInput = () => {
    setPendingLink(undefined);
    setReaderScrolled(true);
  };

  /** Shows the conversation and scrolls to a message or part; puts its id in the address bar. */
  const goTo = (id: string) => {
    setPendingLink(undefined);
    const run = () => {
      if (timeline?.goTo(id)) {
        linkTo(id);
      }
    };
    if (view() !== "conversation") {
      showView("conversation");
      requestAnimationFrame(run);
    } else run();
  };

  const stepTurn = (direction: 1 | -1) => {
    const turns = share.store.turns();
    const current = turns.findIndex((turn) => turn.messageId === activeTurn());
    const next = turns[current + direction] ?? (direction === 1 && current === -1 ? turns[0] : undefined);
    if (next) goTo(next.messageId);
  };

  const goToLatest = () => {
    setPendingLink(undefined);
    timeline?.goToLatest();
  };

  createEffect(() => {
    const id = pendingLink();
    if (id === undefined) return;
    // Every applied segment changes the messages, or the parts of a message already listed (a part's segment may
    // land after its message's), or at the last the completeness, read here.
    share.store.messageIds();
    share.store.partsVersion();
    const complete = share.complete();
    if (untrack(() => timeline?.goTo(id)) || complete) setPendingLink(undefined);
  });

  onMount(() => {
    const fromHash = () => {
      const id = decodeURIComponent(location.hash.slice(1));
      if (!id) return;
      if (timeline?.goTo(id)) setPendingLink(undefined);
      else if (!share.complete()) setPendingLink(id);
    };
    if (location.hash.length > 1) requestAnimationFrame(fromHash);
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const command = (event.metaKey || event.ctrlKey) && !event.altKey && !event.shiftKey;
      if (command && (event.key === "k" || event.key === "f")) {
        // A second Ctrl+F from inside the find field is the browser's own find, for whoever wants it.
        if (event.key === "f" && document.activeElement?.classList.contains("search-input")) return;
        event.preventDefault();
        openFind();
        return;
      }
      if (event.metaKey || event.ctrlKey || event.altKey || typingIn(event.target)) return;
      if (event.key === "/") openFind();
      else if (event.key === "?") setHelping(true);
      else if (event.key === "j") stepTurn(1);
      else if (event.key === "k") stepTurn(-1);
      else if (event.key === "G") goToLatest();
      else return;
      event.preventDefault();
    };
    window.addEventListener("hashchange", fromHash);
    document.addEventListener("keydown", onKey);
    // Diffs are common; have jsdiff ready before the first one scrolls into view.
    const idle = window.requestIdleCallback?.(() => void loadDiff()) ?? setTimeout(() => void loadDiff(), 1500);
    onCleanup(() => {
      window.removeEventListener("hashchange", fromHash);
      document.removeEventListener("keydown", onKey);
      if (window.cancelIdleCallback) window.cancelIdleCallback(idle as number);
      else clearTimeout(idle as ReturnType<typeof setTimeout>);
    });
  });

  const fileCount = () => share.store.files().files.length;

  return (
    <div class="share-page">
      <a class="skip-link" href="#conversation">
        Skip to the conversation
      </a>
      <div class="top-bar">
        <a class="brand" href="/" aria-label="shareroom home">
          <img src="/favicon.svg" alt="" width="22" height="22" />
        </a>
        <span class="top-title">{str(share.store.session()?.title)?.trim() || "Untitled session"}</span>
        <ConnectionStatus state={share.connection()} running={running()} />
        <Show when={view() === "conversation" && offerLatest()}>
          {/* On a phone the offer sits in the top bar, off the conversation. */}
          <button type="button" class="jump-latest-bar" onClick={goToLatest} data-testid="jump-latest-bar">
            Latest{follow().unseen > 0 ? ` (${follow().unseen} new)` : ""}
          </button>
        </Show>
        <button
          type="button"
          class="top-find"
          onClick={openFind}
          aria-label="Find in this share"
          title="Find (/ or Ctrl+K)"
        >
          Find
        </button>
        <details class="turns-menu">
          <summary>Turns</summary>
          <div class="turns-menu-panel">
            <TurnIndex
              turns={share.store.turns()}
              active={activeTurn()}
              onGo={(id) => {
                document.querySelector<HTMLDetailsElement>(".turns-menu")?.removeAttribute("open");
                goTo(id);
              }}
            />
          </div>
        </details>
      </div>
      <div class="share-layout">
        <main id="conversation" class="share-main" tabindex="-1">
          <div ref={above}>
            <ShareHeader shareId={props.id} onShowFiles={() => showView("files")} />
            <div class="view-bar">
              <fieldset class="segmented">
                <legend class="visually-hidden">View</legend>
                <button type="button" aria-pressed={view() === "conversation"} onClick={() => showView("conversation")}>
                  Conversation
                </button>
                <button
                  type="button"
                  aria-pressed={view() === "files"}
                  onClick={() => showView("files")}
                  data-testid="view-files"
                >
                  Files changed <span class="count">{fileCount()}</span>
                </button>
              </fieldset>
              <Show when={view() === "conversation"}>
                <button
                  type="button"
                  class="toggle"
                  aria-pressed={showSteps() === "on"}
                  onClick={() => setShowSteps(showSteps() === "on" ? "off" : "on")}
                  title="Show each step's tokens and cost"
                >
                  Step details
                </button>
              </Show>
            </div>
            <Show when={!share.complete()}>
              <p class="loading-older muted small" data-testid="loading-older" aria-live="polite">
                Loading earlier messages…
              </p>
            </Show>
          </div>
          <Switch>
            <Match when={view() === "conversation"}>
              <Timeline
                above={() => above}
                ref={(api) => {
                  timeline = api;
                }}
                onActiveMessage={setActiveIndex}
                onFollowChange={(following, unseen, far) => setFollow({ following, unseen, far })}
                onReaderInput={onReaderInput}
              />
              <Show when={messageIds().length === 0}>
                <p class="empty muted" data-testid="share-empty">
                  Nothing shared yet. Messages appear here as soon as the session sends them.
                </p>
              </Show>
            </Match>
            <Match when={view() === "files"}>
              <FilesView onOpenTurn={goTo} />
            </Match>
          </Switch>
          <footer class="share-footer muted">
            Shared with <a href="/">shareroom</a> · <a href={`/share/${encodeURIComponent(props.id)}.md`}>markdown</a>
          </footer>
        </main>
        <aside class="turn-sidebar">
          <TurnIndex turns={share.store.turns()} active={activeTurn()} onGo={goTo} />
        </aside>
      </div>
      <Show when={view() === "conversation" && offerLatest() && messageIds().length > 0}>
        <button type="button" class="jump-latest" onClick={goToLatest} data-testid="jump-latest">
          Jump to latest
          <Show when={follow().unseen > 0}>
            <span class="count">{follow().unseen} new</span>
          </Show>
        </button>
      </Show>
      <Show when={finding()}>
        <SearchBar
          search={search}
          initial={initialQuery}
          timeline={() => document.querySelector<HTMLElement>("[data-testid=timeline]") ?? undefined}
          loading={() => !share.complete()}
          readerScrolled={readerScrolled}
          jump={(id, shown) => {
            setPendingLink(undefined);
            if (view() !== "conversation") showView("conversation");
            return timeline?.goTo(id, shown) ?? false;
          }}
          onClose={() => {
            setFinding(false);
            if (findOpener instanceof HTMLElement && findOpener.isConnected) findOpener.focus({ preventScroll: true });
          }}
          ref={(api) => {
            searchBar = api;
          }}
        />
      </Show>
      <Show when={helping()}>
        <Shortcuts onClose={() => setHelping(false)} />
      </Show>
      <div class="toast" role="status" aria-live="polite" classList={{ shown: toastText() !== "" }}>
        {toastText()}
      </div>
    </div>
  );
}

/** `/share/:id`: the share, loaded from its snapshot and kept live over its WebSocket. */
export default function SharePage(props: { id: string }) {
  // An id this server could never have issued is not worth a request.
  if (!SHARE_ID_PATTERN.test(props.id)) return <ShareNotFound />;
  const share = followShare(props.id);
  // The worker's first paint (title and facts in the HTML) stands in until the share is shown or known missing.
  createEffect(() => {
    if (share.load() !== "loading") document.getElementById("first-paint")?.remove();
  });
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
          <ShareView id={props.id} />
        </ShareContext.Provider>
      </Match>
    </Switch>
  );
}
