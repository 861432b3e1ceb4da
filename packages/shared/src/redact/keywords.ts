/**
 * Which of a fixed set of keywords occur in a text, in one pass over it: an Aho–Corasick automaton compiled into a
 * transition table over the keywords' own characters (any other character is one no keyword has). This is how
 * gitleaks decides which rules to run, and it keeps the cost of some 500 keywords at one table lookup per character.
 */

/** The bit of a table entry that marks a state ending a keyword, so the scan tests a bit, not an array. */
const ENDS = 0x8000;
const MAX_STATES = ENDS;
const DOTTED_CAPITAL_I = 0x130;
const KELVIN_SIGN = 0x212a;

/**
 * Finds which keywords (lowercase ASCII) occur in a text, ignoring case as `toLowerCase` does — without making the
 * lowercase copy: in the whole of Unicode only two characters lowercase to ASCII from outside it, the Kelvin sign
 * (U+212A → `k`) and U+0130 (→ `i` and a combining dot, two code units, which the scan feeds as `i` and a character
 * no keyword holds); every astral character lowercases to an astral one.
 */
export class KeywordSet {
  /** Per UTF-16 code unit: the symbol of its lowercase form (0 when no keyword holds that). */
  readonly #symbols: Uint8Array;
  /** log2 of the row length (symbols per state, a power of two). */
  readonly #shift: number;
  /** Transitions, `state << shift | symbol` → state, with {@link ENDS} set when the state ends a keyword. */
  readonly #delta: Uint16Array;
  /** Per state: the keywords that end there (directly or through its failure links), or undefined. */
  readonly #ends: (number[] | undefined)[];
  /** Per state: whether a keyword whose occurrences are located ends there. */
  readonly #located: Uint8Array;
  /** Per keyword: whether its occurrences are located. */
  readonly #locatedIds: Uint8Array;
  /** The symbol of `i`, which a U+0130 stands for before its combining dot. */
  readonly #dottedI: number;

  /**
   * @param keywords lowercase ASCII (throws on any other character), identified by their index.
   * @param located indexes of the keywords whose occurrences {@link scan} reports one by one.
   */
  constructor(keywords: readonly string[], located: ReadonlySet<number> = new Set()) {
    const symbols = new Uint8Array(0x10000);
    let alphabet = 1;
    for (const keyword of keywords) {
      for (let i = 0; i < keyword.length; i++) {
        const code = keyword.charCodeAt(i);
        if (code >= 128 || String.fromCharCode(code).toLowerCase().charCodeAt(0) !== code || code === 0)
          throw new Error(`keyword ${keyword} is not lowercase ASCII`);
        if (symbols[code] === 0) symbols[code] = alphabet++;
      }
    }
    for (let code = 65; code <= 90; code++) symbols[code] = symbols[code + 32]!;
    symbols[KELVIN_SIGN] = symbols[0x6b]!;
    // U+0130 has a column of its own: `i`, then a character no keyword holds, in one step.
    const dottedI = alphabet++;
    symbols[DOTTED_CAPITAL_I] = dottedI;
    let shift = 0;
    while (1 << shift < alphabet) shift++;
    const width = 1 << shift;

    const children: Map<number, number>[] = [new Map()];
    const ends: (number[] | undefined)[] = [undefined];
    keywords.forEach((keyword, id) => {
      let state = 0;
      for (let i = 0; i < keyword.length; i++) {
        const symbol = symbols[keyword.charCodeAt(i)]!;
        let next = children[state]!.get(symbol);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push(undefined);
          children[state]!.set(symbol, next);
        }
        state = next;
      }
      ends[state] = [...(ends[state] ?? []), id];
    });
    if (children.length > MAX_STATES) throw new Error(`${children.length} states are too many`);
    const delta = new Uint16Array(children.length * width);
    const fail = new Int32Array(children.length);
    const queue: number[] = [];
    for (let symbol = 0; symbol < width; symbol++) {
      const child = children[0]!.get(symbol);
      if (child !== undefined) {
        delta[symbol] = child;
        queue.push(child);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const inherited = ends[fail[state]!];
      if (inherited) ends[state] = [...(ends[state] ?? []), ...inherited];
      for (let symbol = 0; symbol < width; symbol++) {
        const child = children[state]!.get(symbol);
        const fallback = delta[fail[state]! * width + symbol]!;
        if (child === undefined) delta[state * width + symbol] = fallback;
        else {
          delta[state * width + symbol] = child;
          fail[child] = fallback;
          queue.push(child);
        }
      }
    }
    const i = symbols[0x69]!;
    for (let state = 0; state < children.length; state++) {
      const afterI = delta[state * width + i]!;
      delta[state * width + dottedI] = delta[afterI * width]!;
    }
    for (let index = 0; index < delta.length; index++) {
      const state = delta[index]!;
      const symbol = index & (width - 1);
      // A U+0130 step ends a keyword when its `i` does (the character after it ends none).
      const ending = symbol === dottedI ? delta[index - symbol + i]! & ~ENDS : state;
      if (ends[ending] !== undefined) delta[index] = state | ENDS;
    }
    this.#dottedI = i;
    this.#symbols = symbols;
    this.#shift = shift;
    this.#delta = delta;
    this.#ends = ends;
    this.#located = new Uint8Array(children.length);
    this.#locatedIds = new Uint8Array(keywords.length);
    for (const id of located) this.#locatedIds[id] = 1;
    ends.forEach((ids, state) => {
      if (ids?.some((id) => located.has(id))) this.#located[state] = 1;
    });
  }

  /** Whether any keyword occurs in `text`. */
  has(text: string): boolean {
    const symbols = this.#symbols;
    const delta = this.#delta;
    const shift = this.#shift;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      state = delta[(state << shift) | symbols[text.charCodeAt(i)]!]!;
      if (state & ENDS) return true;
    }
    return false;
  }

  /**
   * Marks in `found` (indexed by keyword) every keyword that occurs in `text`, and pushes to `at`, for each
   * occurrence of a located keyword, the offset just past it and the keyword's index (two numbers, in the order the
   * occurrences end; an occurrence ending in the `i` of a U+0130 is reported past that character). Allocates nothing
   * but what `at` grows by.
   */
  scan(text: string, found: Uint8Array, at?: number[]): void {
    const symbols = this.#symbols;
    const delta = this.#delta;
    const shift = this.#shift;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const next = delta[(state << shift) | symbols[code]!]!;
      if (next & ENDS) {
        // The state that ended keywords: after a U+0130, the one its `i` led to.
        const ending = code === DOTTED_CAPITAL_I ? delta[(state << shift) | this.#dottedI]! & ~ENDS : next & ~ENDS;
        const located = at !== undefined && this.#located[ending] === 1;
        for (const id of this.#ends[ending]!) {
          found[id] = 1;
          if (located && this.#locatedIds[id] === 1) at.push(i + 1, id);
        }
      }
      state = next & ~ENDS;
    }
  }
}
