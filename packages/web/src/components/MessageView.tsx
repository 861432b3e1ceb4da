import { For, Show } from "solid-js";
import { num, rec, str } from "../lib/data";
import { formatCost, formatDuration } from "../lib/format";
import { PartView } from "./parts";
import { useShare } from "./share-context";

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** The `error` of an assistant message (`{name, data: {message?}}`) as one line, or `undefined`. */
function errorText(message: Record<string, unknown> | undefined): string | undefined {
  const error = rec(message?.error);
  if (!error) return undefined;
  const name = str(error.name) ?? "Error";
  const detail = str(rec(error.data)?.message);
  // Aborts are the user pressing Escape; upstream shows them quietly too.
  if (name === "MessageAbortedError") return "Interrupted";
  return detail ? `${name}: ${detail}` : name;
}

/** Who wrote a message and with what: consecutive assistant steps with the same author share one label. */
function author(message: Record<string, unknown> | undefined): string {
  return `${str(message?.role)}/${str(message?.providerID)}/${str(message?.modelID)}/${str(message?.agent)}`;
}

/**
 * One message and its parts in id order. A message whose item has not arrived yet (its parts came first) is shown
 * with its parts and no header details. An assistant message right after another by the same model and agent (the
 * next step of one turn) shows only its times and cost.
 */
export function MessageView(props: { id: string; previousId?: string }) {
  const share = useShare();
  const message = () => share.store.dataOf(`message/${props.id}`, "message");
  const role = () => str(message()?.role) ?? "pending";
  const continued = () => {
    if (role() !== "assistant" || props.previousId === undefined) return false;
    return author(share.store.dataOf(`message/${props.previousId}`, "message")) === author(message());
  };
  const cwd = () => str(rec(message()?.path)?.cwd);
  const partKeys = () => share.store.index().partKeys.get(props.id) ?? [];
  const created = () => num(rec(message()?.time)?.created);
  const duration = () => {
    const time = rec(message()?.time);
    const start = num(time?.created);
    const end = num(time?.completed);
    return start !== undefined && end !== undefined && end >= start ? end - start : undefined;
  };
  const model = () => {
    const data = message();
    const id = str(data?.modelID);
    if (!id) return undefined;
    return share.store.modelNames().get(`${str(data?.providerID) ?? ""}/${id}`) ?? id;
  };
  const cost = () => num(message()?.cost);
  return (
    <article class="message" classList={{ continued: continued() }} data-message-id={props.id} data-role={role()}>
      <header class="message-head">
        <Show when={!continued()}>
          <span class="message-role">
            {role() === "user" ? "User" : role() === "assistant" ? "Assistant" : "Message"}
          </span>
          <Show when={role() === "assistant" && model()}>
            <span class="muted">{model()}</span>
          </Show>
          <Show when={role() === "assistant" && str(message()?.agent)}>
            <span class="muted">{str(message()?.agent)}</span>
          </Show>
        </Show>
        <span class="message-meta muted">
          <Show when={duration() !== undefined && duration()! >= 1000}>
            <span>{formatDuration(duration()!)}</span>
          </Show>
          <Show when={cost()}>{(usd) => <span>{formatCost(usd())}</span>}</Show>
          <Show when={created()}>
            {(ms) => <time datetime={new Date(ms()).toISOString()}>{timeFormat.format(ms())}</time>}
          </Show>
        </span>
      </header>
      <For each={partKeys()}>{(key) => <PartView partKey={key} cwd={cwd()} />}</For>
      <Show when={errorText(message())}>{(text) => <p class="message-error">{text()}</p>}</Show>
    </article>
  );
}
