import type { ConnectionState } from "../lib/live";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting",
  live: "Live",
  reconnecting: "Reconnecting",
  deleted: "Deleted",
};

/**
 * The socket's state, calm and small; `data-connection` carries it for tests. Connected to a session that has ended
 * (`running` false) it says "Up to date", not "Live", which beside the header's "Ended" would read as a contradiction.
 */
export function ConnectionStatus(props: { state: ConnectionState; running?: boolean }) {
  return (
    <span class="connection" data-connection={props.state} role="status" aria-live="polite">
      <span class="connection-dot" aria-hidden="true" />
      {props.state === "live" && props.running === false ? "Up to date" : LABELS[props.state]}
    </span>
  );
}
