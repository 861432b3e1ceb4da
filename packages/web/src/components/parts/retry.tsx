import { num } from "../../lib/data";
import { retryMessage } from "../../lib/session";
import { RedactedText } from "../RedactedText";
import type { PartProps } from "./types";

/** A `retry` part: the provider call failed and was retried; shown as a warning with the provider's message. */
export function RetryPart(props: PartProps) {
  return (
    <p class="part-note notice-warn">
      Retry {num(props.part.attempt) ?? ""}: <RedactedText text={retryMessage(props.part)} />
    </p>
  );
}
