import { num, rec, str } from "../../lib/data";
import type { PartProps } from "./types";

/** A `retry` part: the provider call failed and was retried. */
export function RetryPart(props: PartProps) {
  const error = () => rec(props.part.error);
  const message = () => str(rec(error()?.data)?.message) ?? str(error()?.name) ?? "the request failed";
  return (
    <p class="part-note">
      Retry {num(props.part.attempt) ?? ""}: {message()}
    </p>
  );
}
