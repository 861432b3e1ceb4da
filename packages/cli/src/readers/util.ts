/** Small readers of untyped JSON shared by the transcript readers. */
import type { Data } from "../conversation.ts";

/** `value` as an object, or `undefined`. */
export function rec(value: unknown): Data | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Data) : undefined;
}

/** `value` as a string, or `undefined`. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** `value` as a finite number, or `undefined`. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** `value` as an array (empty for anything else). */
export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The text of a message content: a string, or the `text` of its text blocks joined by newlines. */
export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return arr(content)
    .map((block) => {
      const data = rec(block);
      return data && (data.type === "text" || data.type === undefined) ? (str(data.text) ?? "") : "";
    })
    .filter((text) => text !== "")
    .join("\n");
}

/** The file extension for an image MIME type (`image/png` → `png`). */
export function imageExtension(mime: string): string {
  const sub = mime.split("/")[1] ?? "bin";
  return sub === "jpeg" ? "jpg" : sub.replace(/[^a-z0-9]/g, "") || "bin";
}
