import { Show } from "solid-js";
import { downloadAttachment, openAttachment, openableType } from "../../lib/attachment";
import { rec, str } from "../../lib/data";
import { relativePath } from "../../lib/format";
import { isSafeImage } from "../../lib/markdown";
import type { PartProps } from "./types";

/**
 * A `file` part (an attachment): an inline image (`data:image/…`, as the CLI sends pasted images) is shown;
 * anything else is a chip with its name and type, which opens (text, PDF) or downloads it when the CLI sent it
 * inline (lib/attachment.ts). Nothing is fetched from elsewhere.
 */
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
      <Show when={preview()}>
        {(src) => <img class="file-preview" src={src()} alt={name()} loading="lazy" referrerpolicy="no-referrer" />}
      </Show>
      <figcaption class="file-chip">
        <span class="file-icon" aria-hidden="true">
          {mime().startsWith("image/") ? "▣" : "▤"}
        </span>
        <span class="file-name">{name()}</span>
        <Show when={mime()}>
          <span class="muted">{mime()}</span>
        </Show>
        <Show when={url()?.startsWith("data:") && !preview()}>
          <Show when={openableType(mime())}>
            <button
              type="button"
              class="link-button file-open"
              onClick={() => openAttachment(url()!, mime())}
              aria-label={`Open ${name()}`}
            >
              Open
            </button>
          </Show>
          <button
            type="button"
            class="link-button file-download"
            onClick={() => downloadAttachment(url()!, name())}
            aria-label={`Download ${name()}`}
          >
            Download
          </button>
        </Show>
      </figcaption>
    </figure>
  );
}
