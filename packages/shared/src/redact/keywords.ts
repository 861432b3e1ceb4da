/**
 * Which of a fixed set of keywords occur in a text, in one pass over it: an Aho–Corasick automaton compiled into a
 * transition table (ASCII; any other character is a character no keyword has). This is how gitleaks decides which
 * rules to run, and it keeps the cost of some 300 keywords at one table lookup per character.
 */

const ALPHABET = 128;

/**
 * The symbol each UTF-16 code unit of a text stands for in the automaton: the code unit of its lowercase form when
 * that is ASCII, else 0 (no keyword holds it). This is `text.toLowerCase()` seen through an ASCII alphabet, without
 * making the lowercase copy: in the whole of Unicode only two characters lowercase to ASCII from outside it, the
 * Kelvin sign (U+212A → `k`) and U+0130 (→ `i` and a combining dot, two code units, which the scan feeds as `i`
 * and 0); every astral character lowercases to an astral one.
 */
const FOLD = new Uint8Array(0x10000);
for (let code = 0; code < ALPHABET; code++) FOLD[code] = String.fromCharCode(code).toLowerCase().charCodeAt(0);
FOLD[0x212a] = 0x6b;
FOLD[0x130] = 0x69;
const DOTTED_CAPITAL_I = 0x130;

/** Finds which keywords (lowercase ASCII) occur in a text, ignoring case as `toLowerCase` does. */
export class KeywordSet {
  /** Transitions, `state * 128 + symbol` → state; a state whose number is negative ends a keyword. */
  readonly #delta: Int32Array;
  /** Per state: the keywords that end there (directly or through its failure links), or undefined. */
  readonly #ends: (number[] | undefined)[];
  /** Per state: whether a keyword whose occurrences are located ends there. */
  readonly #located: Uint8Array;

  /**
   * @param keywords lowercase ASCII (throws on any other character), identified by their index.
   * @param located indexes of the keywords whose occurrences {@link scan} reports one by one.
   */
  constructor(keywords: readonly string[], located: ReadonlySet<number> = new Set()) {
    const children: Map<number, number>[] = [new Map()];
    const ends: (number[] | undefined)[] = [undefined];
    keywords.forEach((keyword, id) => {
      let state = 0;
      for (let i = 0; i < keyword.length; i++) {
        const code = keyword.charCodeAt(i);
        if (code >= ALPHABET || FOLD[code] !== code) throw new Error(`keyword ${keyword} is not lowercase ASCII`);
        let next = children[state]!.get(code);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push(undefined);
          children[state]!.set(code, next);
        }
        state = next;
      }
      ends[state] = [...(ends[state] ?? []), id];
    });
    const delta = new Int32Array(children.length * ALPHABET);
    const fail = new Int32Array(children.length);
    const queue: number[] = [];
    for (let code = 0; code < ALPHABET; code++) {
      const child = children[0]!.get(code);
      if (child !== undefined) {
        delta[code] = child;
        queue.push(child);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const inherited = ends[fail[state]!];
      if (inherited) ends[state] = [...(ends[state] ?? []), ...inherited];
      for (let code = 0; code < ALPHABET; code++) {
        const child = children[state]!.get(code);
        const fallback = delta[fail[state]! * ALPHABET + code]!;
        if (child === undefined) delta[state * ALPHABET + code] = fallback;
        else {
          delta[state * ALPHABET + code] = child;
          fail[child] = fallback;
          queue.push(child);
        }
      }
    }
    // States that end a keyword are stored as their bitwise complement, so the scan tests a sign, not an array.
    for (let i = 0; i < delta.length; i++) if (ends[delta[i]!] !== undefined) delta[i] = ~delta[i]!;
    this.#delta = delta;
    this.#ends = ends;
    this.#located = new Uint8Array(children.length);
    ends.forEach((ids, state) => {
      if (ids?.some((id) => located.has(id))) this.#located[state] = 1;
    });
  }

  /** Whether any keyword occurs in `text`. */
  has(text: string): boolean {
    const delta = this.#delta;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      state = delta[(state << 7) | FOLD[code]!]!;
      if (code === DOTTED_CAPITAL_I && state >= 0) state = delta[state << 7]!;
      if (state < 0) return true;
    }
    return false;
  }

  /**
   * Marks in `found` (indexed by keyword) every keyword that occurs in `text`, and pushes to `at` the offset just
   * past each occurrence of a located keyword (in order; offsets into `text`, except that an occurrence ending in
   * the `i` of a U+0130 is reported past that character). Allocates nothing but what `at` grows by.
   */
  scan(text: string, found: Uint8Array, at?: number[]): void {
    const delta = this.#delta;
    const ends = this.#ends;
    const located = this.#located;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      state = delta[(state << 7) | FOLD[code]!]!;
      if (code === DOTTED_CAPITAL_I) {
        // Its lowercase form is two code units, `i` and a combining dot (a character no keyword holds).
        if (state < 0) this.#mark(~state, found, at, i + 1);
        state = delta[(state < 0 ? ~state : state) << 7]!;
      }
      if (state >= 0) continue;
      state = ~state;
      if (located[state] === 1 && at) at.push(i + 1);
      for (const id of ends[state]!) found[id] = 1;
    }
  }

  #mark(state: number, found: Uint8Array, at: number[] | undefined, offset: number): void {
    if (this.#located[state] === 1 && at) at.push(offset);
    for (const id of this.#ends[state]!) found[id] = 1;
  }
}
