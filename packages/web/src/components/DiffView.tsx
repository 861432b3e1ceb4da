import { createEffect, createMemo, createSignal, For, Match, on, onCleanup, onMount, Show, Switch } from "solid-js";
import {
  type Diagnostic,
  type DiffLine,
  type DiffSource,
  diffNow,
  loadDiff,
  type ParsedDiff,
  parseDiff,
  roughLines,
  splitRows,
} from "../lib/diff";
import { grammarOf, highlight, highlightLinesNow } from "../lib/highlight";
import { hasRedaction } from "../lib/redaction";
import { focusableWhenScrolling } from "../lib/scroll-focus";
import { extensionOf } from "../lib/session";
import { displayText } from "../lib/text";
import { diffMode, setDiffMode } from "../lib/ui";
import { Diagnostics } from "./Diagnostics";
import { RedactedText } from "./RedactedText";

/** Lines shown before "Show all": long diffs are cut by rendering, not by CSS, to keep huge patches cheap. */
const VISIBLE_LINES = 40;

/** Split view needs room for two columns of code; narrower screens always get the unified view. */
const SPLIT_MIN_WIDTH = "(min-width: 760px)";

/** Whether the screen is wide enough for the split view (follows resizes and rotation). */
function createWideScreen() {
  const query = window.matchMedia(SPLIT_MIN_WIDTH);
  const [wide, setWide] = createSignal(query.matches);
  const update = () => setWide(query.matches);
  onMount(() => query.addEventListener("change", update));
  onCleanup(() => query.removeEventListener("change", update));
  return wide;
}

/**
 * Each side of a diff highlighted as one block (old: context and deleted lines; new: context and added lines), so
 * multi-line tokens keep their colour; returns the HTML of every line by its index in `lines`, or `undefined`.
 */
function highlightSides(lines: DiffLine[], grammar: string): (string | undefined)[] | undefined {
  const sides = { old: [] as number[], new: [] as number[] };
  lines.forEach((line, index) => {
    if (line.kind === "context" || line.kind === "del") sides.old.push(index);
    if (line.kind === "context" || line.kind === "add") sides.new.push(index);
  });
  const result: (string | undefined)[] = new Array(lines.length);
  for (const side of [sides.old, sides.new]) {
    const html = highlightLinesNow(side.map((index) => lines[index]!.text).join("\n"), grammar);
    if (!html) return undefined;
    side.forEach((index, i) => {
      result[index] ??= html[i];
    });
  }
  return result;
}

/** One line's code: its highlighted HTML when there is one and the line has no redaction marker, else text. */
function LineText(props: { text: string; html?: string }) {
  const html = () => (props.html === undefined || hasRedaction(props.text) ? undefined : props.html);
  return (
    <Show when={html()} fallback={<RedactedText text={props.text} />}>
      {(coloured) => <span class="hljs" innerHTML={coloured()} />}
    </Show>
  );
}

const SIGN: Record<DiffLine["kind"], string> = { add: "+", del: "-", context: " ", hunk: "", note: "" };

/**
 * A diff: a unified patch (`{patch}`) or whole contents (`{before, after}`), in a unified or split (side-by-side)
 * table with line numbers, coloured by the file's language, and the LSP errors and warnings of the change. jsdiff
 * and the grammar load lazily; until then the lines show uncoloured and unnumbered, at their final height.
 */
export function DiffView(props: { source: DiffSource; file?: string; diagnostics?: Diagnostic[]; lines?: number }) {
  const wide = createWideScreen();
  const [jsdiffReady, setJsdiffReady] = createSignal(diffNow() !== undefined);
  const [grammarReady, setGrammarReady] = createSignal(false);
  const [expanded, setExpanded] = createSignal(false);
  if (!jsdiffReady()) void loadDiff().then(() => setJsdiffReady(true));

  const parsed = createMemo((): ParsedDiff | undefined => {
    const jsdiff = jsdiffReady() ? diffNow() : undefined;
    const source = props.source;
    if (jsdiff) return parseDiff(jsdiff, source);
    if ("patch" in source) return { lines: roughLines(source.patch), additions: 0, deletions: 0 };
    return undefined;
  });
  const lines = createMemo(() =>
    (parsed()?.lines ?? []).map((line) => (line.kind === "hunk" ? line : { ...line, text: displayText(line.text) })),
  );
  const grammar = createMemo(() => grammarOf(extensionOf(props.file)));
  createEffect(
    on(grammar, (name) => {
      setGrammarReady(false);
      if (!name) return;
      // Loading the grammar once makes every line colourable synchronously (highlightNow).
      void highlight("", name).then(() => setGrammarReady(true));
    }),
  );
  const coloured = createMemo(() => {
    const name = grammar();
    return name && grammarReady() ? highlightSides(lines(), name) : undefined;
  });
  const positions = createMemo(() => new Map(lines().map((line, index) => [line, index])));
  /** The highlighted HTML of a line, once its grammar has loaded. */
  const htmlOf = (line: DiffLine) => coloured()?.[positions().get(line) ?? -1];
  const limit = () => props.lines ?? VISIBLE_LINES;
  const shown = createMemo(() => (expanded() ? lines() : lines().slice(0, limit())));
  const split = () => diffMode() === "split" && wide();
  const rows = createMemo(() => (split() ? splitRows(shown()) : []));

  return (
    <div class="diff-view" data-mode={split() ? "split" : "unified"}>
      <div class="diff-toolbar">
        <Show when={wide()}>
          <fieldset class="segmented">
            <legend class="visually-hidden">Diff layout</legend>
            <button type="button" aria-pressed={!split()} onClick={() => setDiffMode("unified")}>
              Unified
            </button>
            <button type="button" aria-pressed={split()} onClick={() => setDiffMode("split")}>
              Split
            </button>
          </fieldset>
        </Show>
      </div>
      <Switch>
        <Match when={parsed() === undefined && !("patch" in props.source) && !jsdiffReady()}>
          <p class="muted small diff-loading">Loading the diff…</p>
        </Match>
        <Match when={parsed() === undefined}>
          <p class="muted small">This change is too large to diff on the page.</p>
        </Match>
        <Match when={!split()}>
          <div class="diff-scroll" ref={(element) => focusableWhenScrolling(element, "Diff, scrolls sideways")}>
            <table class="diff-table">
              <tbody>
                <For each={shown()}>
                  {(line) => (
                    <tr class={`diff-${line.kind}`}>
                      <Show
                        when={line.kind !== "hunk" && line.kind !== "note"}
                        fallback={
                          <td colSpan={4} class="diff-hunk-text">
                            {line.text}
                          </td>
                        }
                      >
                        <td class="ln" data-line={line.oldLine ?? ""} />
                        <td class="ln" data-line={line.newLine ?? ""} />
                        <td class="sign">{SIGN[line.kind]}</td>
                        <td class="text">
                          <LineText text={line.text} html={htmlOf(line)} />
                        </td>
                      </Show>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
        <Match when={split()}>
          <div class="diff-scroll" ref={(element) => focusableWhenScrolling(element, "Diff, scrolls sideways")}>
            <table class="diff-table split">
              <tbody>
                <For each={rows()}>
                  {(row) => (
                    <Show
                      when={row.kind === "pair"}
                      fallback={
                        <tr class="diff-hunk">
                          <td colSpan={4} class="diff-hunk-text">
                            {row.text}
                          </td>
                        </tr>
                      }
                    >
                      <tr>
                        <td class="ln" data-line={row.left?.oldLine ?? ""} />
                        <td
                          class={`text side diff-${row.left?.kind === "context" ? "context" : row.left ? "del" : "empty"}`}
                        >
                          <Show when={row.left}>{(left) => <LineText text={left().text} html={htmlOf(left())} />}</Show>
                        </td>
                        <td class="ln" data-line={row.right?.newLine ?? ""} />
                        <td
                          class={`text side diff-${row.right?.kind === "context" ? "context" : row.right ? "add" : "empty"}`}
                        >
                          <Show when={row.right}>
                            {(right) => <LineText text={right().text} html={htmlOf(right())} />}
                          </Show>
                        </td>
                      </tr>
                    </Show>
                  )}
                </For>
              </tbody>
            </table>
          </div>
        </Match>
      </Switch>
      <Show when={lines().length > limit()}>
        <button type="button" class="clamp-toggle" aria-expanded={expanded()} onClick={() => setExpanded(!expanded())}>
          {expanded() ? "Show less" : `Show all ${lines().length} lines`}
        </button>
      </Show>
      <Diagnostics items={props.diagnostics ?? []} />
    </div>
  );
}
