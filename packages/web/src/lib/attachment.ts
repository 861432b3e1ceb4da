/**
 * Opening attachments (`file` parts) that the CLI sent inline as `data:` URLs (RFC 2397,
 * https://www.rfc-editor.org/rfc/rfc2397): decoded into a Blob on the reader's click, never fetched from elsewhere.
 *
 * A blob: URL belongs to this page's origin, so what it holds must never run as a document here: text of any kind
 * (HTML and SVG included) opens as `text/plain`, PDFs open in the browser's viewer, images as images; anything else
 * can only be downloaded.
 */

/** How long a blob URL handed to a new tab or a download stays valid (ms): long enough to load, then freed. */
const BLOB_URL_LIFETIME_MS = 60_000;

/** The MIME type a decoded attachment may be opened as in a tab, or `undefined` when it may only be downloaded. */
export function openableType(mime: string): string | undefined {
  const type = mime.split(";")[0]!.trim().toLowerCase();
  if (type.startsWith("text/") || type === "application/json" || type === "application/xml" || type.endsWith("+json")) {
    return "text/plain;charset=utf-8";
  }
  if (type === "application/pdf") return "application/pdf";
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(type)) return type;
  return undefined;
}

/**
 * The bytes of a `data:` URL, or `undefined` when `url` is not one or does not decode.
 * @example dataUrlBytes("data:text/plain;base64,aGk=") // Uint8Array [104, 105]
 */
export function dataUrlBytes(url: string): Uint8Array | undefined {
  if (!url.startsWith("data:")) return undefined;
  const comma = url.indexOf(",");
  if (comma === -1) return undefined;
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  try {
    if (/;base64$/i.test(header)) {
      const binary = atob(body.replace(/\s+/g, ""));
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return bytes;
    }
    return new TextEncoder().encode(decodeURIComponent(body));
  } catch {
    return undefined;
  }
}

function blobUrl(bytes: Uint8Array, type: string): string {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MS);
  return url;
}

/** Opens a `data:` attachment in a new tab as {@link openableType} allows; false when it cannot be opened. */
export function openAttachment(url: string, mime: string): boolean {
  const type = openableType(mime);
  const bytes = dataUrlBytes(url);
  if (!type || !bytes) return false;
  window.open(blobUrl(bytes, type), "_blank", "noopener,noreferrer");
  return true;
}

/** Saves a `data:` attachment under `name`; false when it does not decode. */
export function downloadAttachment(url: string, name: string): boolean {
  const bytes = dataUrlBytes(url);
  if (!bytes) return false;
  const link = document.createElement("a");
  link.href = blobUrl(bytes, "application/octet-stream");
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  return true;
}
