/**
 * The one pass over a text that decides which rules run where: gitleaks' keywords (a rule runs on the text when one
 * of its keywords is in it, as gitleaks does) and secretlint's trigger words (secretlint runs only on the items that
 * hold one), found together by one automaton.
 */
import { GITLEAKS_KEYWORDS } from "./gitleaks.ts";
import { KeywordSet } from "./keywords.ts";
import { SECRETLINT_TRIGGER_WORDS } from "./secretlint.ts";

/** What {@link findTriggers} found in a text. */
export interface Triggers {
  /** Indexed like `GITLEAKS_KEYWORDS`: 1 when the keyword occurs (more entries follow; ignore them). */
  gitleaks: Uint8Array;
  /** The offset just past each occurrence of a secretlint trigger word, ascending. */
  secretlint: number[];
}

let words: KeywordSet | undefined;

/** Finds, ignoring case, gitleaks' keywords and secretlint's trigger words in `text`, in one pass over it. */
export function findTriggers(text: string): Triggers {
  const count = GITLEAKS_KEYWORDS.length;
  words ??= new KeywordSet(
    [...GITLEAKS_KEYWORDS, ...SECRETLINT_TRIGGER_WORDS],
    new Set(SECRETLINT_TRIGGER_WORDS.map((_, index) => count + index)),
  );
  const found: Triggers = { gitleaks: new Uint8Array(count + SECRETLINT_TRIGGER_WORDS.length), secretlint: [] };
  words.scan(text, found.gitleaks, found.secretlint);
  return found;
}
