import { createSignal, For, Show, useContext } from "solid-js";
import { rec, str } from "../../../lib/data";
import { Markdown } from "../../Markdown";
import { MessageView } from "../../MessageView";
import { ShareContext } from "../../share-context";
import { TextBlock } from "../../TextBlock";
import type { ToolRenderer } from "./types";

/**
 * The subagent's answer inside the task tool's output, which wraps it as `<task_result>…</task_result>` (after a
 * `task_id:` line) in recent CLIs; the whole output otherwise.
 */
export function taskResult(output: string): string {
  const match = /<task_result>\n?([\s\S]*?)\n?<\/task_result>/.exec(output);
  return (match ? match[1]! : output).trim();
}

/** The child session a task started: `metadata.sessionId` (opencode's task tool and `shareroom share`). */
function childSessionOf(state: Record<string, unknown>): string | undefined {
  const metadata = rec(state.metadata);
  return str(metadata?.sessionId) ?? str(metadata?.sessionID);
}

/**
 * The subagent's own session, when the share holds it (`shareroom share` shares Claude Code's, Codex CLI's and
 * Gemini CLI's subagents inside their parent's share): a disclosure that renders its messages in place once opened.
 */
function ChildSession(props: { sessionId: string }) {
  // Outside a share page (a part rendered on its own) there is no session to look in.
  const share = useContext(ShareContext);
  const ids = () => share?.store.childMessageIds(props.sessionId) ?? [];
  // `shareroom share` sends the child's session item as `child_session.<id>` (docs/agents.md, "Subagents").
  const kind = () => `child_session.${props.sessionId}`;
  const title = () => str(rec(share?.store.dataOfAny(kind(), kind()))?.title)?.trim();
  const [opened, setOpened] = createSignal(false);
  return (
    <Show
      when={ids().length > 0}
      fallback={<p class="muted small">The subagent's own session is not part of this share.</p>}
    >
      <details
        class="child-session"
        data-testid="child-session"
        onToggle={(event) => setOpened((event.currentTarget as HTMLDetailsElement).open)}
      >
        <summary class="child-session-summary">
          The subagent's session<Show when={title()}>{(text) => <>: {text()}</>}</Show> · {ids().length}{" "}
          {ids().length === 1 ? "message" : "messages"}
        </summary>
        <Show when={opened()}>
          <div class="child-session-messages">
            <For each={ids()}>{(id, i) => <MessageView id={id} previousId={ids()[i() - 1]} />}</For>
          </div>
        </Show>
      </details>
    </Show>
  );
}

/**
 * `task` (Claude Code's `Task`/`Agent` too): work delegated to a subagent: the agent and description in the
 * header, the prompt it was given, its final answer (markdown), and its own session when the share holds it. The
 * opencode CLI never shares a subagent's session (docs/opencode-protocol.md §1).
 */
export const task: ToolRenderer = {
  summary: (state) => str(rec(state.input)?.description),
  facts: (state) => {
    const agent = str(rec(state.input)?.subagent_type);
    return agent ? [{ text: agent }] : [];
  },
  Body(props) {
    const input = () => rec(props.state.input);
    const output = () => str(props.state.output);
    return (
      <>
        <Show when={str(input()?.prompt)}>
          {(prompt) => (
            <details class="task-prompt">
              <summary>Prompt given to the {agentName(str(input()?.subagent_type))}</summary>
              <TextBlock text={prompt()} lines={12} />
            </details>
          )}
        </Show>
        <Show
          when={output()}
          fallback={
            <Show when={props.state.status === "running" || props.state.status === "pending"}>
              <p class="muted small">The subagent is working…</p>
            </Show>
          }
        >
          {(text) => (
            <div class="task-result">
              <Markdown text={taskResult(text())} />
            </div>
          )}
        </Show>
        <Show
          when={childSessionOf(props.state)}
          fallback={<p class="muted small">The subagent's own session is not part of this share.</p>}
        >
          {(sessionId) => <ChildSession sessionId={sessionId()} />}
        </Show>
      </>
    );
  },
};

/** "the explore agent", or "the subagent" when the call names none. */
function agentName(type: string | undefined): string {
  return type?.trim() ? `${type.trim()} agent` : "subagent";
}
