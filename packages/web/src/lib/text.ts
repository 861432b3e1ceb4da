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
