/**
 * The part dispatcher: one renderer per part type, the generic one for types this page does not know, and the
 * upstream page's hiding rules (step boundaries, snapshots, patches, synthetic or empty text). A renderer that
 * throws on data nobody foresaw costs only its own part, never the page.
 */
import { type Component, createMemo, ErrorBoundary, Match, Show, Switch } from "solid-js";
import { Dynamic } from "solid-js/web";
import { rec, str } from "../../lib/data";
import { formatBytes } from "../../lib/format";
import { useShare } from "../share-context";
import { AgentPart } from "./agent";
import { CompactionPart } from "./compaction";
import { FilePart } from "./file";
import { GenericPart } from "./generic";
import { ReasoningPart } from "./reasoning";
import { RetryPart } from "./retry";
import { SubtaskPart } from "./subtask";
import { TextPart } from "./text";
import { ToolPart } from "./tool";
import type { PartProps } from "./types";

const RENDERERS: Record<string, Component<PartProps>> = {
  text: TextPart,
  reasoning: ReasoningPart,
  file: FilePart,
  tool: ToolPart,
  agent: AgentPart,
  subtask: SubtaskPart,
  retry: RetryPart,
  compaction: CompactionPart,
};

/** The renderer for a part's type; the generic one for any type this page does not know. */
function rendererOf(part: Record<string, unknown>): Component<PartProps> {
  const type = str(part.type) ?? "";
  return Object.hasOwn(RENDERERS, type) ? RENDERERS[type]! : GenericPart;
}

/** Bookkeeping parts the CLI syncs that say nothing to a reader. */
const HIDDEN_TYPES = new Set(["step-start", "step-finish", "snapshot", "patch"]);

/** Whether a part is shown: not bookkeeping, and for text and reasoning, not synthetic, ignored or empty. */
export function isVisiblePart(part: Record<string, unknown>): boolean {
  const type = str(part.type) ?? "";
  if (HIDDEN_TYPES.has(type)) return false;
  if (type === "text" || type === "reasoning") {
    return part.synthetic !== true && part.ignored !== true && (str(part.text) ?? "").trim() !== "";
  }
  return true;
}

/** The part held under `partKey`, or a placeholder while it is stored by reference and not loaded yet. */
export function PartView(props: { partKey: string; cwd?: string }) {
  const share = useShare();
  const held = () => share.store.entries[props.partKey];
  const part = createMemo(() => {
    const item = held()?.item;
    return item?.type === "part" ? rec(item.data) : undefined;
  });
  const partId = () => props.partKey.split("/")[2] ?? props.partKey;
  return (
    <Switch>
      <Match when={part()}>
        {(data) => (
          <Show when={isVisiblePart(data())}>
            <div class="part" id={partId()} data-part-id={partId()} data-part-type={str(data().type) ?? "unknown"}>
              <ErrorBoundary fallback={<span class="muted">This {str(data().type)} part could not be shown.</span>}>
                <Dynamic component={rendererOf(data())} part={data()} cwd={props.cwd} />
              </ErrorBoundary>
            </div>
          </Show>
        )}
      </Match>
      <Match when={held()?.ref}>
        {(ref) => (
          <div class="part placeholder" data-part-id={partId()} data-part-type="loading">
            <Show
              when={held()?.failed}
              fallback={
                <span class="muted">
                  Loading a large {ref().type.replace(/^part:/, "")} part ({formatBytes(ref().bytes)})…
                </span>
              }
            >
              <span class="muted">This part ({formatBytes(ref().bytes)}) could not be loaded. </span>
              <button type="button" class="link-button" onClick={() => share.retryRef(props.partKey)}>
                Try again
              </button>
            </Show>
          </div>
        )}
      </Match>
    </Switch>
  );
}
