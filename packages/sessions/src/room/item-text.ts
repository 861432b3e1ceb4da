/**
 * The text of each item as the sync body sent it, found in the same pass as the body's nesting check, so an item the
 * room stores unchanged is stored and broadcast as those characters instead of being serialized again (the 5 MB
 * sync's `check items` span, docs/performance.md). A slice is only used where it means exactly what was parsed,
 * validated and redacted: written compactly (no whitespace between tokens: entries stay one line of compact JSON,
 * as `storage/read.ts` expects) and with no key repeated in any object (a repeated key is dropped by `JSON.parse`,
 * so its value would be stored without ever being checked or redacted).
 */
import { stringEnd } from "../middleware/body";

/** Where one object of the body's top-level `data` array lies in the body text. */
export interface ItemText {
  /** Offset of its `{` in the body text (UTF-16 code units). */
  start: number;
  /** Offset just past its `}`. */
  end: number;
  /** Object keys written in it, at every depth, repeated ones counted each time. */
  keys: number;
  /** Whether no whitespace lies between its tokens. */
  compact: boolean;
}

/** What {@link scanSyncBody} found in a body's text. */
export interface BodyScan {
  /** The deepest nesting of `[`/`{`; counting stops past the limit. */
  depth: number;
  /**
   * The objects of the top-level `data` array, in order (elements that are not objects are skipped); `undefined`
   * when the body's top-level keys cannot be read as written (an escaped key, a `data` that is not an array).
   */
  items: ItemText[] | undefined;
}

/** Structural characters and whitespace between tokens; the content of strings is skipped with `indexOf`. */
const SCANNED = /["[\]{} \t\n\r]/g;

const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Measures the nesting of JSON `text` (as `jsonDepth` in `middleware/body.ts`: linear, iterative, stopping past
 * `limit`) and finds the objects of its top-level `data` array. For text that is not valid JSON the answer means
 * nothing; the caller parses the text before using it.
 */
export function scanSyncBody(text: string, limit: number): BodyScan {
  let depth = 0;
  let max = 0;
  let items: ItemText[] | undefined = [];
  /** 0: outside `data`; 1: its key was read, its value comes next; 2: inside its array. */
  let data = 0;
  let current: ItemText | undefined;
  SCANNED.lastIndex = 0;
  for (let match = SCANNED.exec(text); match !== null; match = SCANNED.exec(text)) {
    const at = match.index;
    const code = text.charCodeAt(at);
    if (code === QUOTE) {
      const end = stringEnd(text, at);
      if (end < 0) return { depth: max, items: undefined };
      SCANNED.lastIndex = end + 1;
      if (data === 1) {
        // `data` is a string: not a batch; the schema refuses it.
        items = undefined;
        data = 0;
      }
      const isKey = text.charCodeAt(end + 1) === COLON;
      if (current && isKey) current.keys++;
      else if (depth === 1 && isKey && items) {
        const key = text.slice(at + 1, end);
        if (key.includes("\\")) items = undefined;
        else if (key === "data") {
          // A repeated `data` key: `JSON.parse` keeps the last one, and so does this.
          items = [];
          data = 1;
        }
      }
      continue;
    }
    if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (data === 1) {
        if (code === OPEN_ARRAY && depth === 1) data = 2;
        else items = undefined;
        if (!items) data = 0;
      } else if (data === 2 && depth === 2 && code === OPEN_OBJECT) {
        current = { start: at, end: at, keys: 0, compact: true };
      }
      if (++depth > max) max = depth;
      if (max > limit) return { depth: max, items: undefined };
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--;
      if (current && depth === 2 && code === CLOSE_OBJECT) {
        current.end = at + 1;
        items?.push(current);
        current = undefined;
      } else if (data === 2 && depth === 1) data = 0;
    } else if (current) current.compact = false;
  }
  return { depth: max, items };
}

/** Object keys in a parsed JSON value, at every depth: equal to {@link ItemText.keys} when no key was repeated. */
export function countKeys(value: unknown): number {
  if (Array.isArray(value)) {
    let keys = 0;
    for (const element of value) if (typeof element === "object" && element !== null) keys += countKeys(element);
    return keys;
  }
  if (typeof value !== "object" || value === null) return 0;
  let keys = 0;
  for (const key in value) {
    keys++;
    const element = (value as Record<string, unknown>)[key];
    if (typeof element === "object" && element !== null) keys += countKeys(element);
  }
  return keys;
}

/** A sync body's text with its items' places ({@link scanSyncBody}); `ascii` when its UTF-8 size is its length. */
export interface BodyText {
  text: string;
  items: ItemText[];
  ascii: boolean;
}
