import { createMemo, Show } from "solid-js";
import { sumChanges, turnChanges } from "../lib/session";
import { ChangeCounts, FileChangeList } from "./FileChanges";

/** Under a user message: the files its turn changed (`summary.diffs`), folded into one line until opened. */
export function TurnChanges(props: { message: Record<string, unknown> | undefined }) {
  const changes = createMemo(() => sumChanges(turnChanges(props.message)));
  return (
    <Show when={changes().files.length > 0}>
      <details class="turn-changes">
        <summary>
          {changes().files.length} {changes().files.length === 1 ? "file" : "files"} changed in this turn{" "}
          <ChangeCounts additions={changes().additions} deletions={changes().deletions} />
        </summary>
        <FileChangeList changes={changes().files} />
      </details>
    </Show>
  );
}
