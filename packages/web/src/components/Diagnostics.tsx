import { For, Show } from "solid-js";
import type { Diagnostic } from "../lib/diff";
import { RedactedText } from "./RedactedText";

/** LSP errors and warnings reported after a change (`line:column message source`), errors first. */
export function Diagnostics(props: { items: Diagnostic[]; showFile?: boolean }) {
  return (
    <Show when={props.items.length > 0}>
      <ul class="diagnostics" aria-label="Language server diagnostics">
        <For each={props.items}>
          {(diagnostic) => (
            <li data-severity={diagnostic.severity}>
              <span class="diagnostic-mark" aria-hidden="true">
                {diagnostic.severity === "error" ? "✕" : "!"}
              </span>
              <span class="visually-hidden">{diagnostic.severity}: </span>
              <span class="diagnostic-where">
                <Show when={props.showFile}>{diagnostic.file}:</Show>
                {diagnostic.line}:{diagnostic.column}
              </span>
              <span class="diagnostic-message">
                <RedactedText text={diagnostic.message} />
                <Show when={diagnostic.source}>
                  <span class="muted"> ({diagnostic.source})</span>
                </Show>
              </span>
            </li>
          )}
        </For>
      </ul>
    </Show>
  );
}
