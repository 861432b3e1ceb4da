import { createMemo, Match, Switch } from "solid-js";
import { editDiffOf } from "../../../lib/agent-tools";
import { rec, str } from "../../../lib/data";
import { diagnosticsOf } from "../../../lib/diff";
import { relativePath } from "../../../lib/format";
import { DiffView } from "../../DiffView";
import type { ToolRenderer } from "./types";

/** Lines added and removed by an edit: from `metadata.filediff` (counts may be strings), else its diff's lines. */
function counts(state: Record<string, unknown>): { additions: number; deletions: number } | undefined {
  const filediff = rec(rec(state.metadata)?.filediff);
  if (!filediff) {
    const diff = editDiffOf(state.metadata, str(rec(state.input)?.filePath));
    if (!diff) return undefined;
    const lines = diff.split("\n").filter((line) => !line.startsWith("+++") && !line.startsWith("---"));
    return {
      additions: lines.filter((line) => line.startsWith("+")).length,
      deletions: lines.filter((line) => line.startsWith("-")).length,
    };
  }
  const additions = Number(filediff.additions ?? Number.NaN);
  const deletions = Number(filediff.deletions ?? Number.NaN);
  return Number.isFinite(additions) && Number.isFinite(deletions) ? { additions, deletions } : undefined;
}

/**
 * `edit` (and `multiedit`, Claude Code's `Edit`, Gemini CLI's `replace`): the file in the header with `+added
 * −removed`, the unified diff from `metadata.diff` (Gemini's `fileDiff`, Claude's `structuredPatch`) as
 * a diff view (unified or split), and the LSP errors and warnings of the file. Before the diff exists (a pending or
 * running edit), the diff of the input's old and new strings.
 */
export const edit: ToolRenderer = {
  summary: (state, cwd) => {
    const path = str(rec(state.input)?.filePath);
    return path === undefined ? undefined : relativePath(path, cwd);
  },
  facts: (state) => {
    const change = counts(state);
    if (!change) return [];
    return [
      { text: `+${change.additions}`, kind: "add" },
      { text: `−${change.deletions}`, kind: "del" },
    ];
  },
  Body(props) {
    const input = () => rec(props.state.input);
    const metadata = () => rec(props.state.metadata);
    const path = () => str(input()?.filePath);
    const diagnostics = createMemo(() => {
      const file = path();
      return diagnosticsOf(metadata(), file ? [file] : []);
    });
    const replaceAll = () => input()?.replaceAll === true;
    return (
      <Switch>
        <Match when={editDiffOf(metadata(), path())}>
          {(diff) => <DiffView source={{ patch: diff() }} file={path()} diagnostics={diagnostics()} />}
        </Match>
        <Match when={str(input()?.newString) !== undefined}>
          <DiffView
            source={{ before: str(input()?.oldString) ?? "", after: str(input()?.newString) ?? "", file: path() }}
            file={path()}
            diagnostics={diagnostics()}
          />
          {replaceAll() ? <p class="muted small">Every occurrence is replaced.</p> : null}
        </Match>
      </Switch>
    );
  },
};
