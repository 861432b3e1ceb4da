import { createMemo, For, Show } from "solid-js";
import { num, rec, str } from "../lib/data";
import { formatCost, formatDateTime, formatDuration, formatTime, formatTokens } from "../lib/format";
import {
  authorKey,
  durationOf,
  errorText,
  failureOf,
  isReverted,
  isRunning,
  modelKeyOf,
  modelName,
} from "../lib/session";
import { isTarget, minuteClock, showSteps } from "../lib/ui";
import { Permalink } from "./Permalink";
import { PartView } from "./parts";
import { RedactedText } from "./RedactedText";
import { RevertMarker, showReverted } from "./RevertMarker";
import { useShare } from "./share-context";
import { TurnChanges } from "./TurnChanges";

/** The tokens of an assistant message as one line, for the cost's tooltip. */
function tokenSummary(message: Record<string, unknown> | undefined): string | undefined {
  const tokens = rec(message?.tokens);
  if (!tokens) return undefined;
  const cache = rec(tokens.cache);
  return [
    `input ${formatTokens(num(tokens.input) ?? 0)}`,
    `output ${formatTokens(num(tokens.output) ?? 0)}`,
    `reasoning ${formatTokens(num(tokens.reasoning) ?? 0)}`,
    `cache read ${formatTokens(num(cache?.read) ?? 0)}`,
    `cache write ${formatTokens(num(cache?.write) ?? 0)}`,
  ].join(" · ");
}

/**
 * One message and its parts in id order. A message whose item has not arrived yet (its parts came first) is shown
 * with its parts and no header details. An assistant message right after another by the same model and agent (the
 * next step of one turn) continues the previous one without a header; its times and cost show with step details. Errors and interrupted turns are shown as notices; a user
 * message lists the files its turn changed.
 */
export function MessageView(props: { id: string; previousId?: string; last?: boolean }) {
  const share = useShare();
  const message = () => share.store.dataOf(`message/${props.id}`, "message");
  const role = () => str(message()?.role) ?? "pending";
  const continued = () => {
    if (role() !== "assistant" || props.previousId === undefined) return false;
    return authorKey(share.store.dataOf(`message/${props.previousId}`, "message")) === authorKey(message());
  };
  const label = () => (role() === "user" ? "User" : role() === "assistant" ? "Assistant" : "Message");
  const reverted = () => isReverted(props.id, share.store.revert());
  return (
    <article
      class="message"
      classList={{
        continued: continued(),
        reverted: reverted(),
        "reverted-hidden": reverted() && !showReverted(),
        "is-target": isTarget(props.id),
      }}
      id={props.id}
      data-message-id={props.id}
      data-role={role()}
      data-reverted={reverted() ? "" : undefined}
      aria-label={`${label()} message${reverted() ? " (reverted)" : ""}`}
    >
      <Show when={share.store.revertedIds()[0] === props.id}>
        <RevertMarker />
      </Show>
      <Show when={!reverted() || showReverted()}>
        {/* A reverted message stays mounted but empty while collapsed, so its row keeps its place in the list. */}
        <MessageBody id={props.id} continued={continued()} last={props.last} label={label()} />
      </Show>
    </article>
  );
}

/** The header, parts, notices and turn changes of one message (see {@link MessageView}). */
function MessageBody(props: { id: string; continued: boolean; last?: boolean; label: string }) {
  const share = useShare();
  const message = () => share.store.dataOf(`message/${props.id}`, "message");
  const role = () => str(message()?.role) ?? "pending";
  const continued = () => props.continued;
  const label = () => props.label;
  const cwd = () => str(rec(message()?.path)?.cwd);
  const partKeys = () => share.store.partKeys(props.id);
  const created = () => num(rec(message()?.time)?.created);
  const duration = () => durationOf(message()?.time);
  const model = () => {
    const key = modelKeyOf(message());
    return key ? modelName(key, share.store.modelNames()) : undefined;
  };
  const cost = () => num(message()?.cost);
  const failure = createMemo(() => failureOf(message()));
  const now = minuteClock();
  // As the header decides "running": a turn left unfinished by a CLI that exited does not spin for ever.
  const working = () => props.last === true && isRunning(share.store.working(), share.store.updatedAt(), now());
  return (
    <>
      <Show when={!continued() || showSteps() === "on"}>
        <header class="message-head">
          <Show when={!continued()}>
            <span class="message-role">{label()}</span>
            <Show when={role() === "assistant" && model()}>
              <span class="muted">{model()}</span>
            </Show>
            <Show when={role() === "assistant" && str(message()?.agent)}>
              <span class="agent-badge">{str(message()?.agent)}</span>
            </Show>
          </Show>
          <span class="message-meta muted">
            <Show when={duration() !== undefined && duration()! >= 1000}>
              <span>{formatDuration(duration()!)}</span>
            </Show>
            <Show when={cost()}>{(usd) => <span title={tokenSummary(message())}>{formatCost(usd())}</span>}</Show>
            <Show when={created()}>
              {(ms) => (
                <time datetime={new Date(ms()).toISOString()} title={formatDateTime(ms())}>
                  {formatTime(ms())}
                </time>
              )}
            </Show>
            <Permalink id={props.id} label={`this ${label().toLowerCase()} message`} />
          </span>
        </header>
      </Show>
      <For each={partKeys()}>{(key) => <PartView partKey={key} cwd={cwd()} />}</For>
      <Show when={failure()}>
        {(value) => (
          <Show
            when={value().kind === "error"}
            fallback={
              <p class="message-notice notice-aborted" role="note">
                Interrupted — the user stopped this turn before it finished.
              </p>
            }
          >
            <div class="message-notice notice-error" role="note">
              <strong title={value().name}>{errorText(value().name)}</strong>
              <Show when={value().message}>
                {(text) => (
                  <>
                    : <RedactedText text={text()} />
                  </>
                )}
              </Show>
            </div>
          </Show>
        )}
      </Show>
      <Show when={working()}>
        <p class="working muted" aria-live="polite">
          <span class="spinner" aria-hidden="true" /> Working…
        </p>
      </Show>
      <Show when={role() === "user"}>
        <TurnChanges message={message()} />
      </Show>
    </>
  );
}
