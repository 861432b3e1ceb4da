import type { ConnectionState } from "../lib/live";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting",
  live: "Live",
  reconnecting: "Reconnecting",
  deleted: "Deleted",
};

/** The socket's state, calm and small; `data-connection` carries it for tests. */
export function ConnectionStatus(props: { state: ConnectionState }) {
  return (
    <span class="connection" data-connection={props.state} role="status" aria-live="polite">
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[props.state]}
    </span>
  );
}
