import { num, rec, str } from "../../lib/data";
import { RedactedText } from "../RedactedText";
import type { PartProps } from "./types";

/** A `retry` part: the provider call failed and was retried; shown as a warning with the provider's message. */
export function RetryPart(props: PartProps) {
  const error = () => rec(props.part.error);
  const message = () => str(rec(error()?.data)?.message) ?? str(error()?.name) ?? "the request failed";
  return (
    <p class="part-note notice-warn">
      Retry {num(props.part.attempt) ?? ""}: <RedactedText text={message()} />
    </p>
  );
}
