/** Display formats for numbers, times and paths. All times are Unix milliseconds. */

/** Returns `make()`'s value, made on first use (Intl formatters cost milliseconds each to build). */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}

const dateFormat = lazy(() => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }));
const compact = lazy(() => new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 }));
const relativeFormat = lazy(() => new Intl.RelativeTimeFormat(undefined, { numeric: "auto" }));
/** `7:33 AM` in the viewer's locale. */
export const formatTime = (ms: number) => timeFormat().format(ms);
const timeFormat = lazy(() => new Intl.DateTimeFormat(undefined, { timeStyle: "short" }));
/** `Nov 21, 2026, 7:33:26 AM` in the viewer's locale. */
export const formatDateTime = (ms: number) => dateTimeFormat().format(ms);
const dateTimeFormat = lazy(() => new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" }));

/** A USD amount: `$0.34`, `<$0.01` for tiny non-zero costs, `$0` for zero. */
export function formatCost(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.01) return "<$0.01";
  return `$${usd.toFixed(2)}`;
}

/** A token count: `950`, `88.7K`, `1.2M`. */
export function formatTokens(count: number): string {
  return compact().format(count);
}

/** A point in time in the viewer's locale and time zone. */
export function formatDate(ms: number): string {
  return dateFormat().format(new Date(ms));
}

/** A duration in ms: `850ms`, `2.3s`, `1m 05s`, `2h 03m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) {
    const minutes = Math.floor(ms / 60_000);
    const seconds = Math.floor((ms % 60_000) / 1000);
    return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  }
  if (ms < 86_400_000) {
    const hours = Math.floor(ms / 3_600_000);
    return `${hours}h ${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, "0")}m`;
  }
  return `${Math.floor(ms / 86_400_000)}d ${Math.floor((ms % 86_400_000) / 3_600_000)}h`;
}

/** A byte count: `512 B`, `1.4 MB` (decimal units). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  return `${compact().format(bytes)}B`;
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

/** How long ago `ms` was, relative to `now`: `just now`, `5 minutes ago`, `yesterday`, `3 weeks ago`. */
export function formatRelative(ms: number, now: number): string {
  const seconds = Math.round((ms - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["minute", 60],
    ["hour", 3600],
    ["day", 86_400],
    ["week", 604_800],
    ["month", 2_629_800],
    ["year", 31_557_600],
  ];
  let chosen = units[0]!;
  for (const unit of units) if (abs >= unit[1]) chosen = unit;
  return relativeFormat().format(Math.round(seconds / chosen[1]), chosen[0]);
}
