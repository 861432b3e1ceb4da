/** Reading request bodies with a size cap, strict UTF-8 and JSON parsing, as {@link ApiError}s on failure. */
import type { z } from "zod";
import { ApiError } from "./errors";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads the body of `request` as UTF-8 text of at most `limit` bytes, without buffering more than that.
 * Errors: `payload_too_large` (413) past the limit; `invalid_json` (400) for bytes that are not UTF-8.
 */
export async function readText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    throw new ApiError("payload_too_large", `The body is ${declared} bytes; the limit is ${limit}.`);
  }
  if (!request.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new ApiError("payload_too_large", `The body is over the limit of ${limit} bytes.`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The body is not valid UTF-8.");
  }
}

/**
 * Reads, parses and validates a JSON body (any content type: old CLIs send none).
 * Errors: `payload_too_large` (413), `invalid_json` (400), `invalid_body` (400, with zod's explanation).
 */
export async function readJson<T extends z.ZodType>(request: Request, schema: T, limit: number): Promise<z.infer<T>> {
  const text = await readText(request, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError("invalid_json");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`)
      .join("; ");
    throw new ApiError("invalid_body", `The request body does not have the expected shape (${detail}).`);
  }
  return parsed.data;
}
