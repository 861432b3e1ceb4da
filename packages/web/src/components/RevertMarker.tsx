import { createSignal, Show } from "solid-js";
import { ChangeCounts } from "./FileChanges";
import { useShare } from "./share-context";

/**
 * Whether the reader opened the reverted messages. Collapsed at first, as opencode's TUI hides them; one switch for
 * the page (a share has at most one revert point).
 */
const [showReverted, setShowReverted] = createSignal(false);

export { showReverted };

/**
 * The marker above the first reverted message: how many messages the session's `/undo` took back and what they had
 * changed (left out of the header's and the Files view's totals), with a button that shows or hides them.
 */
export function RevertMarker() {
  const share = useShare();
  const count = () => share.store.revertedIds().length;
  const changes = () => share.store.reverted();
  return (
    <div class="revert-marker" role="note" data-testid="revert-marker">
      <span class="revert-label">Reverted</span>
      <span>
        {count()} {count() === 1 ? "message was" : "messages were"} undone
        <Show when={(changes()?.files.length ?? 0) > 0}>
          {" "}
          · {changes()!.files.length} {changes()!.files.length === 1 ? "file" : "files"}{" "}
          <ChangeCounts additions={changes()!.additions} deletions={changes()!.deletions} /> not counted
        </Show>
      </span>
      <button
        type="button"
        class="link-button"
        aria-expanded={showReverted()}
        onClick={() => setShowReverted(!showReverted())}
        data-testid="revert-toggle"
      >
        {showReverted() ? "Hide them" : "Show them"}
      </button>
    </div>
  );
}
