import { str } from "../../lib/data";
import { Markdown } from "../Markdown";
import type { PartProps } from "./types";

/** A `text` part: markdown from the user or the model. */
export function TextPart(props: PartProps) {
  return <Markdown text={str(props.part.text) ?? ""} />;
}
