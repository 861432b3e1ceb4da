import type { PartProps } from "./types";

/** A `compaction` part: the conversation so far was summarized to fit the context window. */
export function CompactionPart(props: PartProps) {
  return <p class="part-note">Context compacted{props.part.auto === true ? " automatically" : ""}</p>;
}
