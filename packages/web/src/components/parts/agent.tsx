import { str } from "../../lib/data";
import type { PartProps } from "./types";

/** An `agent` part: the user addressed a named agent. */
export function AgentPart(props: PartProps) {
  return (
    <p class="part-note">
      Agent <strong>{str(props.part.name) ?? "unknown"}</strong>
    </p>
  );
}
