/** Making untrusted text safe to look at when shown as text (it is never parsed as HTML). */

// ANSI escape sequences (colours, cursor moves) that terminal output carries: CSI … final byte, and OSC … BEL/ST.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
// C0 controls except tab and newline, DEL, and a lone carriage return.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;
// Bidirectional overrides and isolates, which can make text read differently from what it is ("Trojan Source").
const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` ready for a text node: ANSI escape sequences removed, `\r\n` folded to `\n`, other control characters
 * shown as Unicode control pictures (NUL → ␀), bidi controls shown as `⟨U+202E⟩`.
 */
export function displayText(text: string): string {
  return text
    .replace(ANSI, "")
    .replace(/\r\n/g, "\n")
    .replace(CONTROL, (char) => {
      const code = char.charCodeAt(0);
      return String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
    })
    .replace(BIDI, (char) => `⟨U+${char.charCodeAt(0).toString(16).toUpperCase()}⟩`);
}

/** Pretty JSON for showing a value as text; never throws (cycles and BigInts become a note). */
export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Text longer than this (UTF-16 units) is shown cut until the reader asks for all of it: laying out a tool output
 * of 500 KB takes the browser most of a second, for a block that shows its first dozen lines anyway.
 */
export const CUT_ABOVE_CHARS = 20_000;

/** At most this many UTF-16 units of a cut text are shown (a few lines of even very wide output). */
export const CUT_KEEP_CHARS = 4_000;

/**
 * The start of `text` to show while it is cut: its first `lines` lines, at most {@link CUT_KEEP_CHARS} units (never
 * ending inside a surrogate pair). `undefined` when `text` is short enough ({@link CUT_ABOVE_CHARS}) to show whole.
 */
export function cutText(text: string, lines: number): string | undefined {
  if (text.length <= CUT_ABOVE_CHARS) return undefined;
  let end = 0;
  for (let line = 0; line < lines && end < CUT_KEEP_CHARS; line++) {
    const next = text.indexOf("\n", end);
    if (next === -1) {
      end = text.length;
      break;
    }
    end = next + 1;
  }
  end = Math.min(end, CUT_KEEP_CHARS);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end).replace(/\n$/, "");
}

/** The number of lines of `text` (line breaks + 1), counted without splitting it. */
export function countLines(text: string): number {
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}
