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
 * Redacts the items of `entries`, replacing each entry's `item` by its redacted copy when it held a secret (items
 * without one are left as they are), and returns what was done, summed over the calls.
 *
 * A sync body (`MAX_SYNC_BODY_BYTES`, 32 MiB) may hold more than one call's scan budget (16 MiB), so the entries are
 * redacted in consecutive slices, each within the budget: `bytes` (the UTF-8 size of the item's JSON, at most
 * `MAX_ITEM_BYTES`) bounds the characters of its string values, so every item is scanned whole and none is cut to
 * `[redacted:over-limit]` for the size of its batch.
 */
export async function redactEntries(entries: { item: Item; bytes: number }[]): Promise<RedactionReport> {
  const total: RedactionReport = { items: [], redacted: 0, capped: 0 };
  const budget = DEFAULT_REDACTION_BUDGET.maxScannedBytes;
  let start = 0;
  while (start < entries.length) {
    let end = start;
    let weight = 0;
    do {
      weight += entries[end]!.bytes + ITEM_SEPARATOR_CHARS;
      end++;
    } while (end < entries.length && weight + entries[end]!.bytes <= budget);
    const slice = entries.slice(start, end);
    const report = await redactItems(slice.map((entry) => entry.item));
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
