/** The sync body reaches the room as bytes and is parsed once there: any size up to the limit, in any script. */

import { exports } from "cloudflare:workers";
import { MAX_SYNC_BODY_BYTES } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { createShare, ORIGIN, storedItems, sync } from "./helpers";

// Built at run time so no scanner mistakes this test file for a leak.
const githubToken = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;

const part = (id: string, text: string) => ({ type: "part", data: { id, messageID: "msg_1", type: "text", text } });

describe("POST /api/share/:id/sync body", () => {
  it("stores a ~19 MiB batch whose strings are not Latin-1 (2 bytes per character in a structured clone)", async () => {
    const share = await createShare();
    // 20 parts of ~0.95 MiB each, mostly ASCII with one check mark: one such character makes the whole string
    // two bytes per character in a structured clone, so parsed items would clone to ~38 MB, past the 32 MiB RPC limit.
    const text = `${"x".repeat(950 * 1024)} ✓`;
    const items = Array.from({ length: 20 }, (_, i) => part(`prt_${String(i).padStart(2, "0")}`, text));
    const response = await sync(share, items);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 20 });
    const stored = await storedItems(share.id);
    expect(stored.size).toBe(20);
    expect(stored.get("part/msg_1/prt_19")).toEqual(items[19]);
  });

  it("scans every item of a batch past the 16 MiB redaction budget whole: secrets redacted, the rest intact", async () => {
    const share = await createShare();
    // 20 × ~0.95 MiB is past one scan budget (16 MiB); each item is within it, so each is scanned whole.
    const filler = "x".repeat(950 * 1024);
    const items = Array.from({ length: 20 }, (_, i) =>
      part(`prt_${String(i).padStart(2, "0")}`, `${filler}\ntoken ${githubToken} end ✓`),
    );
    const response = await sync(share, items);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ accepted: 20, redacted: 20 });
    const stored = await storedItems(share.id);
    const last = stored.get("part/msg_1/prt_19") as { data: { text: string } };
    expect(last.data.text).not.toContain(githubToken);
    expect(last.data.text).not.toContain("over-limit");
    expect(last.data.text.startsWith(`${filler}\ntoken [redacted:`)).toBe(true);
    expect(last.data.text.endsWith("] end ✓")).toBe(true);
  });

  it("refuses a body over the limit with 413 payload_too_large, counted in bytes even without a declared length", async () => {
    const share = await createShare();
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode(`{"secret":"${share.secret}","data":[`));
        if (sent > MAX_SYNC_BODY_BYTES + chunk.byteLength) controller.close();
        else controller.enqueue(chunk);
        sent += chunk.byteLength;
      },
    });
    const response = await exports.default.fetch(
      new Request(`${ORIGIN}/api/share/${share.id}/sync`, { method: "POST", body, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });
});
