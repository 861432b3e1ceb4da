import type { ConnectionState } from "../lib/live";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting",
  live: "Live",
  reconnecting: "Reconnecting",
  full: "Too many viewers",
  deleted: "Deleted",
};

/** Why the state is what it is, where the label alone does not say. */
const HINTS: Partial<Record<ConnectionState, string>> = {
  full: "This share has as many live viewers as the server allows. Retrying; the page updates once a place is free.",
};

/** The socket's state, calm and small; `data-connection` carries it for tests. */
export function ConnectionStatus(props: { state: ConnectionState }) {
  return (
    <span class="connection" data-connection={props.state} role="status" aria-live="polite" title={HINTS[props.state]}>
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[props.state]}
    </span>
  );
}
