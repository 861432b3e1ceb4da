import { str } from "../../lib/data";
import { prettyJson } from "../../lib/text";
import { TextBlock } from "../TextBlock";
import type { PartProps } from "./types";

/** A part of a type this page does not know (a newer CLI): its type and its fields as JSON. */
export function GenericPart(props: PartProps) {
  const fields = () => {
    const { id: _id, messageID: _messageID, sessionID: _sessionID, type: _type, ...rest } = props.part;
    return prettyJson(rest);
  };
  return (
    <details class="generic-part">
      <summary>{str(props.part.type) ?? "unknown"} part</summary>
      <TextBlock text={fields()} lines={10} />
    </details>
  );
}
