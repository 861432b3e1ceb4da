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

/**
 * The socket's state, calm and small; `data-connection` carries it for tests. Connected to a session that has ended
 * (`running` false) it says "Up to date", not "Live", which beside the header's "Ended" would read as a contradiction.
 */
export function ConnectionStatus(props: { state: ConnectionState; running?: boolean }) {
  return (
    <span class="connection" data-connection={props.state} role="status" aria-live="polite" title={HINTS[props.state]}>
      <span class="connection-dot" aria-hidden="true" />
      {props.state === "live" && props.running === false ? "Up to date" : LABELS[props.state]}
    </span>
  );
}
