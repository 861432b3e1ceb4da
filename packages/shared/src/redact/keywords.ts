/**
 * Which of a fixed set of keywords occur in a text, in one pass over it: an Aho–Corasick automaton compiled into a
 * transition table (ASCII; any other character is a character no keyword has). This is how gitleaks decides which
 * rules to run, and it keeps the cost of 230 keywords at one table lookup per character.
 */

const ALPHABET = 128;

/** Finds which keywords (lowercase ASCII) occur in a lowercased text. */
export class KeywordSet {
  readonly #delta: Int32Array;
  /** Per state: the keywords that end there (directly or through its failure links), or undefined. */
  readonly #ends: (number[] | undefined)[];

  constructor(keywords: readonly string[]) {
    const children: Map<number, number>[] = [new Map()];
    const ends: (number[] | undefined)[] = [undefined];
    keywords.forEach((keyword, id) => {
      let state = 0;
      for (let i = 0; i < keyword.length; i++) {
        const code = keyword.charCodeAt(i);
        if (code >= ALPHABET) throw new Error(`keyword ${keyword} is not ASCII`);
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
    this.#delta = delta;
    this.#ends = ends;
  }

  /** Whether any keyword occurs in `lower`. */
  has(lower: string): boolean {
    const delta = this.#delta;
    let state = 0;
    for (let i = 0; i < lower.length; i++) {
      const code = lower.charCodeAt(i);
      state = delta[state * ALPHABET + (code < ALPHABET ? code : 0)]!;
      if (this.#ends[state] !== undefined) return true;
    }
    return false;
  }

  /** Marks in `found` (indexed by keyword) every keyword that occurs in `lower`; returns how many were new. */
  scan(lower: string, found: Uint8Array): number {
    const delta = this.#delta;
    const ends = this.#ends;
    let state = 0;
    let added = 0;
    for (let i = 0; i < lower.length; i++) {
      const code = lower.charCodeAt(i);
      state = delta[state * ALPHABET + (code < ALPHABET ? code : 0)]!;
      const hit = ends[state];
      if (hit !== undefined) {
        for (const id of hit) {
          if (found[id] === 0) {
            found[id] = 1;
            added++;
          }
        }
      }
    }
    return added;
  }
}
