import { Show } from "solid-js";
import { rec, str } from "../../lib/data";
import { relativePath } from "../../lib/format";
import { isSafeImage } from "../../lib/markdown";
import type { PartProps } from "./types";

/** A `file` part (an attachment): a chip with its name and type; a preview for web or inline images. */
export function FilePart(props: PartProps) {
  const url = () => str(props.part.url);
  const mime = () => str(props.part.mime) ?? "";
  const name = () => {
    const path = str(rec(props.part.source)?.path);
    return str(props.part.filename) ?? (path ? relativePath(path, props.cwd) : undefined) ?? "attachment";
  };
  const preview = () => {
    const value = url();
    return mime().startsWith("image/") && value !== undefined && isSafeImage(value) ? value : undefined;
  };
  return (
    <figure class="file">
      <figcaption class="file-chip">
        <span class="file-name">{name()}</span>
        <Show when={mime()}>
          <span class="muted">{mime()}</span>
        </Show>
      </figcaption>
      <Show when={preview()}>
        {(src) => <img class="file-preview" src={src()} alt={name()} loading="lazy" referrerpolicy="no-referrer" />}
      </Show>
    </figure>
  );
}
