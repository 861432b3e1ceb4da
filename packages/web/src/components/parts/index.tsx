/**
 * The part dispatcher: one renderer per part type, the generic one for types this page does not know, and the
 * hiding rules (lib/session.ts `isVisiblePart`: step boundaries, snapshots, patches, synthetic or empty text;
 * step-finish parts appear when the reader turns step details on). A renderer that throws on data nobody foresaw
 * costs only its own part, never the page.
 */
import type { BlobRef } from "@shareroom/shared";
import { type Component, createEffect, createMemo, ErrorBoundary, Match, Show, Switch } from "solid-js";
import { Dynamic } from "solid-js/web";
import { rec, str } from "../../lib/data";
import { formatBytes } from "../../lib/format";
import { isVisiblePart } from "../../lib/session";
import { shownItem } from "../../lib/share-store";
import { isTarget, showSteps } from "../../lib/ui";
import { Permalink } from "../Permalink";
import { useShare } from "../share-context";
import { AgentPart } from "./agent";
import { CompactionPart } from "./compaction";
import { FilePart } from "./file";
import { GenericPart } from "./generic";
import { ReasoningPart } from "./reasoning";
import { RetryPart } from "./retry";
import { StepFinishPart } from "./step";
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
  "step-finish": StepFinishPart,
};

/** The renderer for a part's type; the generic one for any type this page does not know. */
function rendererOf(part: Record<string, unknown>): Component<PartProps> {
  const type = str(part.type) ?? "";
  return Object.hasOwn(RENDERERS, type) ? RENDERERS[type]! : GenericPart;
}

/** Whether a part is shown now: visible by the hiding rules, or a step-finish while step details are on. */
function isShownPart(part: Record<string, unknown>): boolean {
  return isVisiblePart(part) || (part.type === "step-finish" && showSteps() === "on");
}

/**
 * One part, by its data, inside the wrapper that carries its id (deep links) and type (styles, tests); nothing for
 * a part that is not shown (see {@link isShownPart}).
 */
export function PartBody(props: { part: Record<string, unknown>; partId: string; cwd?: string }) {
  const type = () => str(props.part.type) ?? "unknown";
  return (
    <Show when={isShownPart(props.part)}>
      <div
        class="part"
        classList={{ "is-target": isTarget(props.partId) }}
        id={props.partId}
        data-part-id={props.partId}
        data-part-type={type()}
      >
        <ErrorBoundary fallback={<span class="muted">This {type()} part could not be shown.</span>}>
          <Dynamic component={rendererOf(props.part)} part={props.part} cwd={props.cwd} />
        </ErrorBoundary>
        <Show when={type() !== "tool" && type() !== "step-finish"}>
          <Permalink id={props.partId} label={`this ${type()} part`} />
        </Show>
      </div>
    </Show>
  );
}

/**
 * The part held under `partKey`. A part stored by reference loads when this view mounts; until then (or while a
 * newer version loads) a placeholder or the previous version is shown, and a failed load says so with a retry.
 */
export function PartView(props: { partKey: string; cwd?: string }) {
  const share = useShare();
  const held = () => share.store.entry(props.partKey);
  const part = createMemo(() => {
    const item = shownItem(held());
    return item?.type === "part" ? rec(item.data) : undefined;
  });
  const partId = () => props.partKey.split("/")[2] ?? props.partKey;
  // Loading is a side effect of being on screen: parts scrolled past are never fetched.
  createEffect(() => {
    const entry = held();
    if (entry?.ref && entry.item === null && !entry.failed) share.loadPart(props.partKey);
  });
  const failedLine = (what: string, ref: BlobRef) => (
    <>
      <span class="muted">
        {what} ({formatBytes(ref.bytes)}) could not be loaded.{" "}
      </span>
      <button type="button" class="link-button" onClick={() => share.retryRef(props.partKey)}>
        Try again
      </button>
    </>
  );
  return (
    <Switch>
      <Match when={part()}>
        {(data) => (
          <>
            <Show when={held()?.failed && held()?.ref}>
              {(ref) => (
                <div class="part placeholder" data-part-type="loading">
                  {failedLine("The newer version of this part", ref())}
                  <span class="muted"> The previous version is shown below.</span>
                </div>
              )}
            </Show>
            <PartBody part={data()} partId={partId()} cwd={props.cwd} />
          </>
        )}
      </Match>
      <Match when={held()?.ref}>
        {(ref) => (
          <div
            class="part placeholder"
            classList={{ "is-target": isTarget(partId()) }}
            id={partId()}
            data-part-id={partId()}
            data-part-type="loading"
          >
            <Show
              when={held()?.failed}
              fallback={
                <span class="muted">
                  Loading a large {ref().type.replace(/^part:/, "")} part ({formatBytes(ref().bytes)})…
                </span>
              }
            >
              {failedLine("This part", ref())}
            </Show>
          </div>
        )}
      </Match>
    </Switch>
  );
}
