import { createSignal, For, Show } from "solid-js";
import { changeSource, type FileChange } from "../lib/session";
import { DiffView } from "./DiffView";

const STATUS_LABELS: Record<string, string> = { added: "A", deleted: "D", modified: "M" };

/** `+12 −3`, coloured. */
export function ChangeCounts(props: { additions: number; deletions: number }) {
  return (
    <span class="change-counts">
      <span class="add">+{props.additions}</span> <span class="del">−{props.deletions}</span>
    </span>
  );
}

/** One changed file: a disclosure with its status, path and counts; its diff renders only once opened. */
function FileChangeView(props: { change: FileChange; open?: boolean }) {
  const [opened, setOpened] = createSignal(props.open === true);
  const status = () => props.change.status ?? "modified";
  return (
    <details
      class="file-change"
      open={props.open}
      onToggle={(event) => setOpened((event.currentTarget as HTMLDetailsElement).open)}
    >
      <summary>
        <span class="file-status" data-status={status()} title={status()}>
          {STATUS_LABELS[status()] ?? "M"}
        </span>
        <span class="file-change-name mono">{props.change.file}</span>
        <ChangeCounts additions={props.change.additions} deletions={props.change.deletions} />
      </summary>
      <Show when={opened()}>
        <Show when={changeSource(props.change)} fallback={<p class="muted small">No diff was shared for this file.</p>}>
          {(source) => <DiffView source={source()} file={props.change.file} lines={80} />}
        </Show>
      </Show>
    </details>
  );
}

/** A list of changed files, each opening to its diff. */
export function FileChangeList(props: { changes: FileChange[]; open?: boolean }) {
  return (
    <div class="file-changes">
      <For each={props.changes}>{(change) => <FileChangeView change={change} open={props.open} />}</For>
    </div>
  );
}
