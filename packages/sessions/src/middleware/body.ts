/** Reading request bodies with a size cap, strict UTF-8 and JSON parsing, as {@link ApiError}s on failure. */
import { MAX_JSON_DEPTH } from "@shareroom/shared";
import type { z } from "zod";
import { ApiError } from "./errors";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Reads the body of `request` as UTF-8 text of at most `limit` bytes, without buffering more than that.
 * Errors: `payload_too_large` (413) past the limit; `invalid_json` (400) for bytes that are not UTF-8;
 * `invalid_body` (400) for a body the client aborted.
 */
export async function readText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    throw new ApiError("payload_too_large", `The body is ${declared} bytes; the limit is ${limit}.`);
  }
  return readStreamText(request.body, limit);
}

/**
 * Reads a body stream as UTF-8 text of at most `limit` bytes, counting bytes as they arrive (a request body
 * handed to the ShareRoom over RPC is read here, in the room). Errors as {@link readText}, and `invalid_body` (400)
 * for a stream that fails before its end (the client aborted the upload).
 */
export async function readStreamText(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    let read: ReadableStreamReadResult<Uint8Array>;
    try {
      read = await reader.read();
    } catch {
      // The client went away (or its stream failed) before the body was complete: nothing of it is used.
      throw new ApiError("invalid_body", "The request body ended before it was complete.");
    }
    const { done, value } = read;
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
  return utf8Text(bytes, limit);
}

/**
 * A body already read into memory as UTF-8 text of at most `limit` bytes. Errors: `payload_too_large` (413) past the
 * limit, `invalid_json` (400) for bytes that are not UTF-8.
 */
export function utf8Text(bytes: Uint8Array, limit: number): string {
  if (bytes.byteLength > limit) {
    throw new ApiError("payload_too_large", `The body is over the limit of ${limit} bytes.`);
  }
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ApiError("invalid_json", "The body is not valid UTF-8.");
  }
}

/**
 * The whole body of `request` as bytes, read by the runtime in one piece (for a body whose declared length is
 * already checked). Errors: `invalid_body` (400) for a body the client aborted.
 */
export async function readBytes(request: Request): Promise<Uint8Array> {
  try {
    return new Uint8Array(await request.arrayBuffer());
  } catch {
    throw new ApiError("invalid_body", "The request body ended before it was complete.");
  }
}

/** The characters that open or close a string, an array or an object in JSON text. */
const STRUCTURE = /["[\]{}]/g;

/**
 * The offset of the quote that closes the JSON string opening at `start` (a `"` in `text`): the next quote not
 * escaped, i.e. preceded by an even number of backslashes; -1 when the string never closes.
 */
export function stringEnd(text: string, start: number): number {
  for (let end = start; ; ) {
    end = text.indexOf('"', end + 1);
    if (end < 0) return -1;
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return end;
  }
}

/**
 * The deepest nesting of `[`/`{` in JSON text, ignoring brackets inside strings; stops counting past `limit`.
 * Linear in the text and iterative, so it is safe on inputs that would overflow a recursive parser. It visits only
 * the structural characters (a regular expression finds the next one, `indexOf` the end of each string), so a body
 * that is mostly string content costs a fraction of a loop over every character (the 5 MB sync's `parse body`
 * span, docs/performance.md).
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  STRUCTURE.lastIndex = 0;
  for (let match = STRUCTURE.exec(text); match !== null; match = STRUCTURE.exec(text)) {
    const code = text.charCodeAt(match.index);
    if (code === 0x22) {
      const end = stringEnd(text, match.index);
      if (end < 0) return max;
      STRUCTURE.lastIndex = end + 1;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else depth--;
  }
  return max;
}

/**
 * Reads, parses and validates a JSON body (any content type: old CLIs send none).
 * Errors: `payload_too_large` (413), `invalid_json` (400; also for nesting deeper than `MAX_JSON_DEPTH`),
 * `invalid_body` (400, with zod's explanation).
 */
export async function readJson<T extends z.ZodType>(request: Request, schema: T, limit: number): Promise<z.infer<T>> {
  return parseJson(await readText(request, limit), schema);
}

/**
 * Parses and validates JSON text; `depth` is its nesting when the caller has measured it already (`jsonDepth`).
 * Errors: `invalid_json` and `invalid_body` (400), as {@link readJson}.
 */
export function parseJson<T extends z.ZodType>(
  text: string,
  schema: T,
  depth = jsonDepth(text, MAX_JSON_DEPTH),
): z.infer<T> {
  if (depth > MAX_JSON_DEPTH) {
    throw new ApiError("invalid_json", `The body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`);
  }
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
