/** Small readers of untyped JSON shared by the transcript readers. */

import { arr, rec, str } from "@shareroom/shared/data";

export { arr, num, rec, str } from "@shareroom/shared/data";

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
