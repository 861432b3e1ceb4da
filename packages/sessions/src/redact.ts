/**
 * Secret redaction on ingest, on by default (`REDACT_SECRETS`): the shared module `@shareroom/shared/redact`
 * (secretlint's recommended preset and gitleaks' rules, each item scanned whole; best-effort — see docs/api.md
 * "Secret redaction"), applied to the checked items of one sync.
 */
import type { Item } from "@shareroom/shared";
import { DEFAULT_REDACTION_BUDGET, type RedactionReport, redactItems } from "@shareroom/shared/redact";

/** Characters `redactItems` puts between two items of one call (its `ITEM_SEPARATOR`, a blank line). */
const ITEM_SEPARATOR_CHARS = 2;

/**
 * Characters of string values one slice of a sync scans at most before the room yields to the event loop, so other
 * requests of the isolate (other shares' syncs, reads) run between slices; an item is never split, so an item larger
 * than this is one slice.
 */
const SLICE_CHARS = 1024 * 1024;

/** Lets the event loop run what is waiting (timers, other requests) before the next slice. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Redacts the items of `entries`, replacing each entry's `item` by its redacted copy when it held a secret (items
 * without one are left as they are), and returns what was done, summed over the calls.
 *
 * The entries are redacted in consecutive slices of about {@link SLICE_CHARS}, yielding to the event loop between
 * them: `bytes` (the UTF-8 size of the item's JSON, at most `MAX_ITEM_BYTES`) bounds the characters of its string
 * values, so every item is scanned whole, within one call's scan budget (16 MiB), and none is cut to
 * `[redacted:over-limit]` for the size of its batch. The findings budget (`DEFAULT_REDACTION_BUDGET.maxFindings`) is
 * the whole sync's: each slice gets what the slices before it left; once it is spent, every later slice is kept as
 * it is up to its first finding and redacted wholesale from there (`redactItems` with `maxFindings` 0), so no secret
 * past the cap is stored.
 */
export async function redactEntries(entries: { item: Item; bytes: number }[]): Promise<RedactionReport> {
  const total: RedactionReport = { items: [], redacted: 0, capped: 0 };
  let start = 0;
  while (start < entries.length) {
    if (start > 0) await yieldToEventLoop();
    let end = start;
    let weight = 0;
    do {
      weight += entries[end]!.bytes + ITEM_SEPARATOR_CHARS;
      end++;
    } while (end < entries.length && weight + entries[end]!.bytes <= SLICE_CHARS);
    const slice = entries.slice(start, end);
    const report = await redactItems(
      slice.map((entry) => entry.item),
      { maxFindings: Math.max(0, DEFAULT_REDACTION_BUDGET.maxFindings - total.redacted) },
    );
    slice.forEach((entry, index) => {
      entry.item = report.items[index] as Item;
    });
    total.items.push(...report.items);
    total.redacted += report.redacted;
    total.capped += report.capped;
    start = end;
  }
  return total;
}
