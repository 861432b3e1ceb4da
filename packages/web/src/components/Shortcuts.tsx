import { For, onMount } from "solid-js";

/** The page's keyboard shortcuts, as the `?` overlay lists them. */
export const SHORTCUTS: readonly { keys: string[]; what: string }[] = [
  { keys: ["/", "Ctrl K", "Ctrl F"], what: "Find in this share (⌘ instead of Ctrl on a Mac)" },
  { keys: ["Enter", "Shift Enter"], what: "Next and previous match" },
  { keys: ["Esc"], what: "Close find, or this list" },
  { keys: ["j", "k"], what: "Next and previous turn" },
  { keys: ["G"], what: "Jump to the latest" },
  { keys: ["?"], what: "Show these shortcuts" },
];

/**
 * The `?` overlay: a modal `<dialog>` (the browser traps focus in it, Escape closes it, and focus returns to where it
 * was) listing {@link SHORTCUTS}. Mounted while open; `onClose` unmounts it.
 */
export function Shortcuts(props: { onClose: () => void }) {
  let dialog!: HTMLDialogElement;
  onMount(() => dialog.showModal());
  return (
    <dialog
      ref={dialog}
      class="shortcuts"
      aria-labelledby="shortcuts-title"
      onClose={() => props.onClose()}
      data-testid="shortcuts"
    >
      <div class="shortcuts-body">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl>
          <For each={SHORTCUTS}>
            {(shortcut) => (
              <>
                <dt>
                  <For each={shortcut.keys}>{(key) => <kbd>{key}</kbd>}</For>
                </dt>
                <dd>{shortcut.what}</dd>
              </>
            )}
          </For>
        </dl>
        <button type="button" class="button" onClick={() => dialog.close()}>
          Close
        </button>
      </div>
    </dialog>
  );
}
