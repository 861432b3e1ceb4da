import { createMemo, For, Show } from "solid-js";
import { sessionDiffChanges, sumChanges, turnChanges } from "../lib/session";
import { ChangeCounts, FileChangeList } from "./FileChanges";
import { useShare } from "./share-context";

/**
 * The "Files changed" view: the session's net diff (`session_diff`, either FileDiff shape) when it has one, then
 * every turn's own changes (user messages' `summary.diffs`), each file opening to its diff; when the share has
 * neither, what its tool calls changed.
 */
export function FilesView(props: { onOpenTurn: (messageId: string) => void }) {
  const share = useShare();
  const net = createMemo(() => sessionDiffChanges(share.store.dataOfAny("session_diff", "session_diff")));
  const byTurn = createMemo(() =>
    share.store
      .turns()
      .map((turn) => ({
        turn,
        changes: sumChanges(turnChanges(share.store.dataOf(`message/${turn.messageId}`, "message"))),
      }))
      .filter((entry) => entry.changes.files.length > 0),
  );
  return (
    <section class="files-view" aria-label="Files changed" data-testid="files-view">
      <Show when={net().length > 0}>
        <h2 class="files-heading">
          Whole session <ChangeCounts {...sumChanges(net())} />
        </h2>
        <FileChangeList changes={net()} />
      </Show>
      <For each={byTurn()}>
        {(entry) => (
          <>
            <h2 class="files-heading">
              <a
                href={`#${entry.turn.messageId}`}
                onClick={(event) => {
                  event.preventDefault();
                  props.onOpenTurn(entry.turn.messageId);
                }}
              >
                Turn {entry.turn.number}
              </a>
              <span class="files-turn-title">{entry.turn.title}</span>
              <ChangeCounts additions={entry.changes.additions} deletions={entry.changes.deletions} />
            </h2>
            <FileChangeList changes={entry.changes.files} />
          </>
        )}
      </For>
      <Show when={net().length === 0 && byTurn().length === 0}>
        <Show
          when={share.store.files().files.length > 0}
          fallback={<p class="empty muted">No file changes were shared for this session.</p>}
        >
          <h2 class="files-heading">
            Changed by the tool calls <ChangeCounts {...share.store.files()} />
          </h2>
          <FileChangeList changes={share.store.files().files} />
        </Show>
      </Show>
    </section>
  );
}
