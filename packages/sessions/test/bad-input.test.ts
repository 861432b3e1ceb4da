/** A corpus of bad inputs: each gets its 4xx with a stable code, and the stored share stays byte-identical. */

import { exports } from "cloudflare:workers";
import { type ErrorBody, MAX_SYNC_BODY_BYTES } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { readStreamText } from "../src/middleware/body";
import { ApiError } from "../src/middleware/errors";
import { call, createShare, ORIGIN, sync } from "./helpers";

const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const good = { type: "part", data: { id: "prt_1", messageID: "msg_1", type: "text", text: "kept" } };

type Case = [
  name: string,
  path: (id: string) => string,
  body: (secret: string) => string | Uint8Array,
  status: number,
  code: string,
];

const CASES: Case[] = [
  ["a body that is not JSON", (id) => `/api/share/${id}/sync`, () => "{secret:", 400, "invalid_json"],
  ["an empty body", (id) => `/api/share/${id}/sync`, () => "", 400, "invalid_json"],
  ["JSON null", (id) => `/api/share/${id}/sync`, () => "null", 400, "invalid_body"],
  ["a JSON array", (id) => `/api/share/${id}/sync`, () => "[]", 400, "invalid_body"],
  [
    "a number secret",
    (id) => `/api/share/${id}/sync`,
    () => JSON.stringify({ secret: 1, data: [] }),
    400,
    "invalid_body",
  ],
  [
    "data that is an object",
    (id) => `/api/share/${id}/sync`,
    (s) => JSON.stringify({ secret: s, data: {} }),
    400,
    "invalid_body",
  ],
  ["a missing secret", (id) => `/api/share/${id}/sync`, () => JSON.stringify({ data: [good] }), 400, "invalid_body"],
  [
    "a 1 MB secret",
    (id) => `/api/share/${id}/sync`,
    () => JSON.stringify({ secret: "s".repeat(1 << 20), data: [] }),
    400,
    "invalid_body",
  ],
  [
    "a wrong secret",
    (id) => `/api/share/${id}/sync`,
    () => JSON.stringify({ secret: "nope", data: [good] }),
    403,
    "invalid_secret",
  ],
  [
    "invalid UTF-8",
    (id) => `/api/share/${id}/sync`,
    () => new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    400,
    "invalid_json",
  ],
  [
    "a lone UTF-8 continuation byte",
    (id) => `/api/share/${id}/sync`,
    () => new Uint8Array([0x5b, 0x80, 0x5d]),
    400,
    "invalid_json",
  ],
  [
    "100,000 levels of nesting",
    (id) => `/api/share/${id}/sync`,
    (s) => `{"secret":"${s}","data":[${deep(100_000)}]}`,
    400,
    "invalid_json",
  ],
  [
    "an item nested 1,000 deep",
    (id) => `/api/share/${id}/sync`,
    (s) => `{"secret":"${s}","data":[{"type":"part","data":${deep(1000)}}]}`,
    400,
    "invalid_json",
  ],
  [
    "10,001 items",
    (id) => `/api/share/${id}/sync`,
    (s) => JSON.stringify({ secret: s, data: Array(10_001).fill(0) }),
    413,
    "payload_too_large",
  ],
  [
    "a path-like share id",
    () => "/api/share/..%2F..%2Fx/sync",
    (s) => JSON.stringify({ secret: s, data: [good] }),
    400,
    "invalid_share_id",
  ],
  [
    "a share id with %2F",
    (id) => `/api/share/${id}%2Fx/sync`,
    (s) => JSON.stringify({ secret: s, data: [good] }),
    400,
    "invalid_share_id",
  ],
  [
    "a share id with a NUL",
    (id) => `/api/share/${id}%00/sync`,
    (s) => JSON.stringify({ secret: s, data: [good] }),
    400,
    "invalid_share_id",
  ],
  [
    "an over-long share id",
    () => `/api/share/${"a".repeat(300)}/sync`,
    (s) => JSON.stringify({ secret: s, data: [good] }),
    400,
    "invalid_share_id",
  ],
  [
    "a 50 MB body",
    (id) => `/api/share/${id}/sync`,
    (s) => `{"secret":"${s}","data":["${"x".repeat(50 << 20)}"]}`,
    413,
    "payload_too_large",
  ],
];

describe("bad input", () => {
  it.each(CASES)("%s is refused with its code and changes nothing stored", async (_name, path, body, status, code) => {
    const share = await createShare();
    await sync(share, [good, { type: "session", data: { id: "ses_1", title: "t", time: { updated: 1 } } }]);
    const before = await (await call("GET", `/api/share/${share.id}/data`)).text();
    const response = await exports.default.fetch(
      new Request(ORIGIN + path(share.id), { method: "POST", body: body(share.secret) }),
    );
    expect(response.status).toBe(status);
    const error = (await response.json()) as ErrorBody;
    expect(error.error.code).toBe(code);
    expect(error.error.message.length).toBeGreaterThan(0);
    expect(await (await call("GET", `/api/share/${share.id}/data`)).text()).toBe(before);
  });

  it("refuses a streamed body past the limit even without a content-length", async () => {
    const share = await createShare();
    const chunk = new Uint8Array(1 << 20).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await exports.default.fetch(
      new Request(`${ORIGIN}/api/share/${share.id}/sync`, {
        method: "POST",
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(sent).toBeLessThan(40);
  });

  it("reads a body stream that errors midway (the client went away) as 400 invalid_body, not a 500", async () => {
    let sent = 0;
    const aborted = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ === 0) controller.enqueue(new TextEncoder().encode('{"secret":"s","data":['));
        else controller.error(new TypeError("Network connection lost."));
      },
    });
    const error = await readStreamText(aborted, MAX_SYNC_BODY_BYTES).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe("invalid_body");
  });

  it("stores odd but valid JSON without harm: __proto__ keys, huge numbers, empty strings", async () => {
    const share = await createShare();
    const raw = `{"secret":"${share.secret}","data":[{"type":"part","data":{"id":"prt_p","messageID":"msg_1","type":"text","__proto__":{"polluted":true},"n":1e999,"text":""}}]}`;
    const response = await call("POST", `/api/share/${share.id}/sync`, raw);
    expect(response.status).toBe(200);
    const data = await (await call("GET", `/api/share/${share.id}/data`)).json();
    expect(JSON.stringify(data)).toContain('"__proto__":{"polluted":true}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
