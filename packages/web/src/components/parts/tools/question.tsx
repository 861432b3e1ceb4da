import { For, Show } from "solid-js";
import { arr, rec, str } from "../../../lib/data";
import { RedactedText } from "../../RedactedText";
import { ToolOutput } from "./output";
import type { ToolRenderer } from "./types";

/** The questions of `input.questions`: `[{question, header?, options: [{label, description?}], multiple?}]`. */
function questionsOf(state: Record<string, unknown>): Record<string, unknown>[] {
  return arr(rec(state.input)?.questions)
    .map(rec)
    .filter((question): question is Record<string, unknown> => question !== undefined);
}

/** The chosen labels per question, from `metadata.answers` (`string[][]`, one list per question). */
function answersOf(state: Record<string, unknown>): string[][] {
  return arr(rec(state.metadata)?.answers).map((answer) => arr(answer).filter((label) => typeof label === "string"));
}

/**
 * `question`: the agent asked the user; each question with its options, the chosen ones marked. When the answers
 * are not in the metadata, the tool's output (which states them) follows.
 */
export const question: ToolRenderer = {
  summary: (state) => {
    const count = questionsOf(state).length;
    return count > 1 ? `${count} questions` : str(questionsOf(state)[0]?.header);
  },
  Body(props) {
    const answers = () => answersOf(props.state);
    return (
      <>
        <For each={questionsOf(props.state)}>
          {(item, index) => {
            const chosen = () => answers()[index()] ?? [];
            return (
              <div class="question">
                <p class="question-text">
                  <RedactedText text={str(item.question) ?? ""} />
                </p>
                <ul class="question-options">
                  <For each={arr(item.options).map(rec)}>
                    {(option) => {
                      const label = () => str(option?.label) ?? "";
                      const picked = () => chosen().includes(label());
                      return (
                        <li data-chosen={picked()}>
                          <span class="todo-mark" aria-hidden="true">
                            {picked() ? "●" : "○"}
                          </span>
                          <span>
                            <RedactedText text={label()} />
                            <Show when={str(option?.description)}>
                              {(description) => <span class="muted"> — {description()}</span>}
                            </Show>
                            <Show when={picked()}>
                              <span class="visually-hidden"> (chosen)</span>
                            </Show>
                          </span>
                        </li>
                      );
                    }}
                  </For>
                </ul>
                <For
                  each={chosen().filter(
                    (answer) => !arr(item.options).some((option) => str(rec(option)?.label) === answer),
                  )}
                >
                  {(custom) => (
                    <p class="small">
                      Answer: <RedactedText text={custom} />
                    </p>
                  )}
                </For>
              </div>
            );
          }}
        </For>
        <Show when={answers().length === 0}>
          <ToolOutput state={props.state} lines={8} />
        </Show>
      </>
    );
  },
};
