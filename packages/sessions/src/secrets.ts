/** Share ids and secrets: random, URL-safe; secrets kept only as SHA-256 and compared in constant time. */

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * A new share id: 128 random bits as 22 base64url characters, never starting with `-`. One id in 64 would, and a
 * command line then reads it as an option, not an argument: `shareroom unshare -t9B3…` failed with commander's
 * "unknown option". Drawn again until it does not, so every other first character stays equally likely.
 */
export function newShareId(): string {
  for (;;) {
    const id = base64url(crypto.getRandomValues(new Uint8Array(16)));
    if (!id.startsWith("-")) return id;
  }
}

/** A new share secret: 256 random bits as 43 base64url characters. */
export function newSecret(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex characters. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Compares two strings in time that depends only on their lengths (workerd's `timingSafeEqual`). */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}
