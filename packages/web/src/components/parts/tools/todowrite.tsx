import { For } from "solid-js";
import { arr, rec, str } from "../../../lib/data";
import { RedactedText } from "../../RedactedText";
import type { ToolRenderer } from "./types";

const MARKS: Record<string, string> = { completed: "✓", in_progress: "◐", cancelled: "✕", pending: "○" };

function todosOf(state: Record<string, unknown>): Record<string, unknown>[] {
  const list = arr(rec(state.metadata)?.todos).length > 0 ? rec(state.metadata)?.todos : rec(state.input)?.todos;
  return arr(list)
    .map(rec)
    .filter((todo): todo is Record<string, unknown> => todo !== undefined);
}

/** `todowrite`: the agent's plan as a checklist. */
export const todowrite: ToolRenderer = {
  // The title ("4 todos") says less than the progress fact.
  summary: () => null,
  facts: (state) => {
    const todos = todosOf(state);
    if (todos.length === 0) return [];
    const done = todos.filter((todo) => todo.status === "completed").length;
    return [{ text: `${done} of ${todos.length} done` }];
  },
  Body(props) {
    return (
      <ul class="todos">
        <For each={todosOf(props.state)}>
          {(todo) => {
            const status = () => str(todo.status) ?? "pending";
            return (
              <li data-status={status()}>
                <span class="todo-mark" aria-hidden="true">
                  {Object.hasOwn(MARKS, status()) ? MARKS[status()] : "○"}
                </span>
                <span class="todo-text">
                  <RedactedText text={str(todo.content) ?? ""} />
                </span>
                <span class="visually-hidden"> ({status().replace("_", " ")})</span>
              </li>
            );
          }}
        </For>
      </ul>
    );
  },
};
