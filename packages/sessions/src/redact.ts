/**
 * Secret redaction on ingest, on by default (`REDACT_SECRETS`): the shared module `@shareroom/shared/redact`
 * (secretlint's recommended preset and gitleaks' rules, each item scanned whole; best-effort — see docs/api.md
 * "Secret redaction"), applied to the checked items of one sync.
 */
import type { Item } from "@shareroom/shared";
import { type RedactionReport, redactItems } from "@shareroom/shared/redact";

/**
 * Redacts the items of `entries` with the default budget, replacing each entry's `item` by its redacted copy when it
 * held a secret (items without one are left as they are), and returns what was done.
 */
export async function redactEntries(entries: { item: Item }[]): Promise<RedactionReport> {
  const report = await redactItems(entries.map((entry) => entry.item));
  entries.forEach((entry, index) => {
    entry.item = report.items[index] as Item;
  });
  return report;
}
