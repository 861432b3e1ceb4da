import { For, Match, Show, Switch } from "solid-js";
import { codexPatchFiles } from "../../../lib/agent-tools";
import { arr, num, rec, str } from "../../../lib/data";
import { diagnosticsOf } from "../../../lib/diff";
import { relativePath } from "../../../lib/format";
import { Code } from "../../Code";
import { DiffView } from "../../DiffView";
import type { ToolRenderer } from "./types";

/**
 * One file of `metadata.files`: `{filePath, relativePath?, type: add|update|delete|move, diff?, before?, after?}`.
 * Without them (Codex CLI's apply_patch, or a call still running), the files of the patch text itself.
 */
function filesOf(state: Record<string, unknown>): Record<string, unknown>[] {
  const files = arr(rec(state.metadata)?.files)
    .map(rec)
    .filter((file): file is Record<string, unknown> => file !== undefined);
  if (files.length > 0 || str(rec(state.metadata)?.diff)) return files;
  const text = str(rec(state.input)?.patchText);
  return text ? codexPatchFiles(text).map((file) => ({ ...file })) : [];
}

const TYPE_LABELS: Record<string, string> = { add: "added", update: "modified", delete: "deleted", move: "moved" };

/**
 * `apply_patch`: one diff per file of `metadata.files` (with its kind of change and LSP diagnostics), else the
 * combined `metadata.diff`, else the patch text the model wrote (the CLI's own `*** Begin Patch` format).
 */
export const applyPatch: ToolRenderer = {
  summary: (state, cwd) => {
    const files = filesOf(state);
    if (files.length === 1) {
      const path = str(files[0]!.relativePath) ?? str(files[0]!.filePath);
      return path ? relativePath(path, cwd) : undefined;
    }
    return files.length > 1 ? `${files.length} files` : undefined;
  },
  facts: (state) => {
    let additions = 0;
    let deletions = 0;
    for (const file of filesOf(state)) {
      additions += num(file.additions) ?? 0;
      deletions += num(file.deletions) ?? 0;
    }
    return additions + deletions === 0
      ? []
      : [
          { text: `+${additions}`, kind: "add" },
          { text: `−${deletions}`, kind: "del" },
        ];
  },
  Body(props) {
    const metadata = () => rec(props.state.metadata);
    return (
      <Switch>
        <Match when={filesOf(props.state).length > 0}>
          <For each={filesOf(props.state)}>
            {(file) => {
              const path = () => str(file.filePath) ?? str(file.relativePath) ?? "file";
              const shown = () => relativePath(str(file.relativePath) ?? path(), props.cwd);
              const source = () => {
                const diff = str(file.diff) ?? str(file.patch);
                if (diff) return { patch: diff };
                return { before: str(file.before) ?? "", after: str(file.after) ?? "", file: path() };
              };
              return (
                <div class="patch-file">
                  <p class="patch-file-name">
                    <span class="file-status" data-status={str(file.type) ?? "update"}>
                      {TYPE_LABELS[str(file.type) ?? ""] ?? str(file.type) ?? "modified"}
                    </span>{" "}
                    <span class="mono">{shown()}</span>
                    <Show when={str(file.movePath)}>
                      {(to) => <span class="mono"> → {relativePath(to(), props.cwd)}</span>}
                    </Show>
                  </p>
                  <DiffView source={source()} file={path()} diagnostics={diagnosticsOf(metadata(), [path()])} />
                </div>
              );
            }}
          </For>
        </Match>
        <Match when={str(metadata()?.diff)}>
          {(diff) => <DiffView source={{ patch: diff() }} diagnostics={diagnosticsOf(metadata(), [])} />}
        </Match>
        <Match when={str(rec(props.state.input)?.patchText)}>
          {(text) => <Code text={text()} language="diff" lines={16} />}
        </Match>
      </Switch>
    );
  },
};
