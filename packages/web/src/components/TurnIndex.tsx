import { Index, Show } from "solid-js";
import type { Turn } from "../lib/share-store";

/**
 * The turn index: one link per user turn (its number and first line). `active` is the turn being read; following
 * a link scrolls there (`onGo`), and the link works as a plain `#msg_…` anchor too.
 */
export function TurnIndex(props: { turns: Turn[]; active?: string; onGo: (messageId: string) => void }) {
  return (
    <nav class="turn-index" aria-label="Turns">
      <p class="turn-index-title">
        Turns <span class="muted">({props.turns.length})</span>
      </p>
      <Show when={props.turns.length > 0} fallback={<p class="muted small">No user messages yet.</p>}>
        {/* By position: turns inserted before the others (older turns read in the background) renumber every
            link, and updating a link's text costs far less than making it again. */}
        <ol>
          <Index each={props.turns}>
            {(turn) => (
              <li>
                <a
                  href={`#${turn().messageId}`}
                  aria-current={props.active === turn().messageId ? "location" : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    props.onGo(turn().messageId);
                  }}
                >
                  <span class="turn-number">{turn().number}</span>
                  <span class="turn-title">{turn().title}</span>
                </a>
              </li>
            )}
          </Index>
        </ol>
      </Show>
      <p class="muted small keys-hint">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous turn, <kbd>G</kbd> latest, <kbd>/</kbd> find, <kbd>?</kbd> all
      </p>
    </nav>
  );
}
