/**
 * The one pass over a text that decides which rules run where: gitleaks' keywords (a rule runs on the text when one
 * of its keywords is in it, as gitleaks does), the words gitleaks' rules begin with (a rule is tried only where one
 * occurs) and secretlint's trigger words (secretlint runs only on the items that hold one), found together by one
 * automaton.
 */
import { GITLEAKS_KEYWORDS, GITLEAKS_STARTS } from "./gitleaks.ts";
import { KeywordSet } from "./keywords.ts";
import { SECRETLINT_TRIGGER_FOLLOWERS, SECRETLINT_TRIGGER_WORDS } from "./secretlint.ts";

/** What {@link findTriggers} found in a text. */
export interface Triggers {
  /** Indexed like `GITLEAKS_KEYWORDS`: 1 when the keyword occurs (more entries follow; ignore them). */
  gitleaks: Uint8Array;
  /** Indexed like `GITLEAKS_STARTS`: the offsets where the word begins, ascending (no entry for a word not found). */
  starts: number[][];
  /**
   * The offset just past each occurrence of a secretlint trigger word, ascending; an occurrence of a word with a
   * follower (`SECRETLINT_TRIGGER_FOLLOWERS`) only where that follower matches there.
   */
  secretlint: number[];
}

const KEYWORDS = GITLEAKS_KEYWORDS.length;
const STARTS = KEYWORDS + SECRETLINT_TRIGGER_WORDS.length;
const ALL = [...GITLEAKS_KEYWORDS, ...SECRETLINT_TRIGGER_WORDS, ...GITLEAKS_STARTS];
/** Per word of {@link ALL}: the sticky pattern that must match past an occurrence of it, if any. */
const FOLLOWERS = ALL.map((word, index) =>
  index >= KEYWORDS && index < STARTS ? SECRETLINT_TRIGGER_FOLLOWERS[word] : undefined,
);
let words: KeywordSet | undefined;

/**
 * Finds, ignoring case, gitleaks' keywords and start words and secretlint's trigger words in `text`, in one pass
 * (then checks the followers of the secretlint words that have one).
 */
export function findTriggers(text: string): Triggers {
  words ??= new KeywordSet(ALL, new Set(ALL.map((_, index) => index).filter((index) => index >= KEYWORDS)));
  const found: Triggers = {
    gitleaks: new Uint8Array(ALL.length),
    starts: [],
    secretlint: [],
  };
  const at: number[] = [];
  words.scan(text, found.gitleaks, at);
  for (let i = 0; i < at.length; i += 2) {
    const offset = at[i]!;
    const id = at[i + 1]!;
    if (id < STARTS) {
      const follower = FOLLOWERS[id];
      if (follower) {
        follower.lastIndex = offset;
        if (!follower.test(text)) continue;
      }
      if (found.secretlint[found.secretlint.length - 1] !== offset) found.secretlint.push(offset);
    } else {
      found.starts[id - STARTS] ??= [];
      found.starts[id - STARTS]!.push(offset - ALL[id]!.length);
    }
  }
  return found;
}
