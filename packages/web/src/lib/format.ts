/** Display formats for numbers, times and paths. All times are Unix milliseconds. */

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

/** A USD amount: `$0.34`, `<$0.01` for tiny non-zero costs, `$0` for zero. */
export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return "<$0.01";
  return `$${usd.toFixed(2)}`;
}

/** A token count: `950`, `88.7K`, `1.2M`. */
export function formatTokens(count: number): string {
  return compact.format(count);
}

/** A point in time in the viewer's locale and time zone. */
export function formatDate(ms: number): string {
  return dateFormat.format(new Date(ms));
}

/** A duration in ms: `850ms`, `2.3s`, `1m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
}

/** A byte count: `512 B`, `1.4 MB` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  return `${compact.format(bytes)}B`;
}

/**
 * `path` relative to the session's working directory (`message.path.cwd`) when it lies inside it, as the
 * upstream page shows paths; otherwise unchanged.
 */
export function relativePath(path: string, cwd: string | undefined): string {
  if (!cwd) return path;
  const base = cwd.endsWith("/") ? cwd : `${cwd}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}
