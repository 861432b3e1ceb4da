/**
 * The literal words a regex's matches begin with, read from its source, so a rule can be tried only where one of
 * them occurs instead of at every position of a text (gitleaks' `generic-api-key`, which begins with
 * `(?:[aA][cC][cC][eE][sS][sS]|[aA][uU][tT][hH]|…)`, costs a regex attempt at every `a`, `k`, `s`, `t`… otherwise).
 *
 * It reads a small part of the JavaScript regex syntax (ECMA-262 §22.2, https://tc39.es/ecma262/#sec-patterns) and
 * gives up on anything else: literal characters and escapes of punctuation, classes holding one letter in its two
 * cases (`[aA]`), groups (`(?:…)`, `(…)`, `(?<name>…)`) with alternatives, `?` after an atom or a group, and the
 * zero-width `\b`. Any other atom, or any other quantifier, ends the words there (they stay true prefixes).
 */

/** A word read so far; `open` while the source's next atom still extends it. */
interface Word {
  text: string;
  open: boolean;
}

/** Words beyond this many make the rule not worth anchoring (and bound the reading's cost). */
const MAX_WORDS = 64;
const SPECIAL = new Set([..."\\^$.|?*+()[]{}"]);

class Reader {
  at = 0;
  readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  /** Alternatives up to the `)` closing the current group (not consumed) or the end. */
  alternation(): Word[] | undefined {
    const words: Word[] = [];
    for (;;) {
      const sequence = this.sequence();
      if (!sequence) return undefined;
      words.push(...sequence);
      if (this.source[this.at] !== "|") return words.length > MAX_WORDS ? undefined : words;
      this.at++;
    }
  }

  /** One alternative: its atoms in turn, until `|`, `)` or the end. */
  sequence(): Word[] | undefined {
    let words: Word[] = [{ text: "", open: true }];
    while (this.at < this.source.length && this.source[this.at] !== "|" && this.source[this.at] !== ")") {
      if (this.source.startsWith("\\b", this.at)) {
        this.at += 2;
        continue;
      }
      const atom = this.atom();
      if (!atom) {
        words = words.map((word) => ({ text: word.text, open: false }));
        if (!this.skipSequence()) return undefined;
        break;
      }
      const quantifier = this.quantifier();
      if (quantifier === "other") {
        words = words.map((word) => ({ text: word.text, open: false }));
        continue;
      }
      const next: Word[] = [];
      for (const word of words) {
        if (!word.open) next.push(word);
        else for (const tail of atom) next.push({ text: word.text + tail.text, open: tail.open });
        if (quantifier === "optional" && word.open) next.push(word);
      }
      if (next.length > MAX_WORDS) return undefined;
      words = next;
    }
    return words;
  }

  /** A literal character, a one-letter class or a group, as words; undefined (nothing consumed) for anything else. */
  atom(): Word[] | undefined {
    const { source } = this;
    const char = source[this.at]!;
    if (char === "(") {
      const start = this.at;
      if (source.startsWith("(?:", this.at)) this.at += 3;
      else if (/^\(\?<[A-Za-z_$][\w$]*>/.test(source.slice(this.at, this.at + 40)))
        this.at = source.indexOf(">", this.at) + 1;
      else if (source[this.at + 1] !== "?") this.at += 1;
      else return undefined;
      const inner = this.alternation();
      if (!inner || source[this.at] !== ")") {
        this.at = start;
        return undefined;
      }
      this.at++;
      return inner;
    }
    if (char === "[") {
      const close = source.indexOf("]", this.at + 1);
      const members = source.slice(this.at + 1, close);
      if (close === -1 || !/^[A-Za-z]{1,2}$/.test(members)) return undefined;
      const lower = members.toLowerCase();
      if (lower[0] !== lower[lower.length - 1]) return undefined;
      this.at = close + 1;
      return [{ text: lower[0]!, open: true }];
    }
    if (char === "\\") {
      const escaped = source[this.at + 1] ?? "";
      if (!/^[-.\\/_~:=@#%&!,;'"<>`]$/.test(escaped)) return undefined;
      this.at += 2;
      return [{ text: escaped, open: true }];
    }
    if (SPECIAL.has(char) || char.charCodeAt(0) >= 128) return undefined;
    this.at++;
    return [{ text: char.toLowerCase(), open: true }];
  }

  /** The quantifier after an atom, consumed: none, `?` (with its lazy `?`), or any other. */
  quantifier(): "none" | "optional" | "other" {
    const { source } = this;
    const char = source[this.at];
    let kind: "none" | "optional" | "other" = "none";
    if (char === "?") {
      kind = "optional";
      this.at++;
    } else if (char === "*" || char === "+") {
      kind = "other";
      this.at++;
    } else if (char === "{") {
      const close = source.indexOf("}", this.at);
      if (close !== -1 && /^\{\d+(,\d*)?\}$/.test(source.slice(this.at, close + 1))) {
        kind = "other";
        this.at = close + 1;
      }
    }
    if (kind !== "none" && source[this.at] === "?") this.at++;
    return kind;
  }

  /** Skips to the end of the current alternative, over nested groups, classes and escapes. */
  skipSequence(): boolean {
    const { source } = this;
    let depth = 0;
    while (this.at < source.length) {
      const char = source[this.at]!;
      if (char === "\\") this.at += 2;
      else if (char === "[") {
        this.at++;
        while (this.at < source.length && source[this.at] !== "]") this.at += source[this.at] === "\\" ? 2 : 1;
        this.at++;
      } else if (char === "(") {
        depth++;
        this.at++;
      } else if (char === ")") {
        if (depth === 0) return true;
        depth--;
        this.at++;
      } else if (char === "|" && depth === 0) return true;
      else this.at++;
    }
    return depth === 0;
  }
}

/**
 * Lowercase words of which every match of `source` (a regex without the `i`, `m`, `s`, `x` or `v` flags) begins
 * with one, ignoring case, or undefined when the reader cannot tell (or a match may begin with nothing literal).
 */
export function literalStarts(source: string): string[] | undefined {
  const reader = new Reader(source);
  const words = reader.alternation();
  if (!words || reader.at !== source.length) return undefined;
  if (words.some((word) => word.text.length === 0)) return undefined;
  return [...new Set(words.map((word) => word.text))];
}
