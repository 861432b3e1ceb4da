/**
 * Items keep the text the sync body sent them in, where that text means exactly what was parsed, checked and
 * redacted; anything else is serialized again.
 */

import { runInDurableObject } from "cloudflare:test";
import { MAX_JSON_DEPTH } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { jsonDepth } from "../src/middleware/body";
import { countKeys, scanSyncBody } from "../src/room/item-text";
import type { ShareRoom } from "../src/share-room";
import { call, createShare } from "./helpers";
import { roomOf } from "./room-helpers";

// Built at run time so no scanner mistakes this test file for a leak.
const githubToken = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;

/** Posts `data` (JSON texts of items, joined as they are) as one sync body. */
async function syncText(share: { id: string; secret: string }, items: string[]) {
  const response = await call(
    "POST",
    `/api/share/${share.id}/sync`,
    `{"secret":${JSON.stringify(share.secret)},"data":[${items.join(",")}]}`,
  );
  expect(response.status).toBe(200);
  return response.json() as Promise<{ accepted: number; redacted: number }>;
}

/** The stored row of `key`: its body text and its `bytes`. */
function storedRow(id: string, key: string) {
  return runInDurableObject(roomOf(id), (_room: ShareRoom, state) =>
    state.storage.sql.exec<{ body: string; bytes: number }>("SELECT body, bytes FROM items WHERE key = ?", key).one(),
  );
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

describe("scanSyncBody", () => {
  const place = (text: string) =>
    scanSyncBody(text, MAX_JSON_DEPTH).items?.map((item) => ({ ...item, text: text.slice(item.start, item.end) }));

  it("measures nesting as jsonDepth does", () => {
    for (const text of [
      "[]",
      '{"a":[1,{"b":[[]]}],"c":{}}',
      '"text"',
      '{"a":"[[[{{{"}',
      '{"a":"say \\"[[[\\" twice"}',
      '{"a":"C:\\\\"}',
      '{ "data" : [ { "a" : [ [ ] ] } ] }',
      "[".repeat(80) + "]".repeat(80),
    ]) {
      expect(scanSyncBody(text, MAX_JSON_DEPTH).depth).toBe(jsonDepth(text, MAX_JSON_DEPTH));
    }
  });

  it("finds each object of the top-level data array, skipping other elements and brackets inside strings", () => {
    const text = '{"secret":"s","data":[1,"{",{"a":{"b":"}"}},[{"c":1}],{"c":"x\\"{"}],"removed":[]}';
    expect(place(text)?.map(({ text, keys, compact }) => ({ text, keys, compact }))).toEqual([
      { text: '{"a":{"b":"}"}}', keys: 2, compact: true },
      { text: '{"c":"x\\"{"}', keys: 1, compact: true },
    ]);
  });

  it("marks an item with whitespace between its tokens, not whitespace between items", () => {
    const items = place('{"data": [ {"a":1} ,\n {"b": 2} ], "secret": "s"}');
    expect(items?.map((item) => [item.text, item.compact])).toEqual([
      ['{"a":1}', true],
      ['{"b": 2}', false],
    ]);
  });

  it("takes the last of repeated data keys, as JSON.parse does, and ignores a data key inside an item", () => {
    expect(place('{"data":[{"a":1}],"data":[{"data":[{"x":1}]}]}')?.map((item) => item.text)).toEqual([
      '{"data":[{"x":1}]}',
    ]);
  });

  it("finds nothing when a top-level key is escaped or data is not an array", () => {
    expect(place('{"d\\u0061ta":[{"a":1}],"data":[{"b":1}]}')).toBeUndefined();
    expect(place('{"data":{"a":1},"removed":[{"b":1}]}')).toBeUndefined();
    expect(place('{"data":"x","removed":[{"b":1}]}')).toBeUndefined();
  });

  it("counts the keys a parse kept: fewer than written when a key repeats", () => {
    const written = '{"a":{"b":1,"c":[{"d":1},2]},"__proto__":{}}';
    expect(countKeys(JSON.parse(written))).toBe(place(`{"data":[${written}]}`)![0]!.keys);
    const repeated = '{"a":1,"a":2}';
    expect(countKeys(JSON.parse(repeated))).toBe(1);
    expect(place(`{"data":[${repeated}]}`)![0]!.keys).toBe(2);
  });
});

describe("items stored as the body sent them", () => {
  it("stores an item's own text (its escapes and number forms), not a serialization of the parsed item", async () => {
    const share = await createShare();
    const sent = '{"type":"part","data":{"id":"prt_1","messageID":"msg_1","type":"text","text":"caf\\u00e9","n":1.50}}';
    await syncText(share, [sent]);
    const row = await storedRow(share.id, "part/msg_1/prt_1");
    expect(row.body).toBe(sent);
    expect(row.bytes).toBe(utf8Bytes(sent));
  });

  it("counts the UTF-8 bytes of an item sent with characters outside ASCII", async () => {
    const share = await createShare();
    const sent = '{"type":"part","data":{"id":"prt_1","messageID":"msg_1","type":"text","text":"done ✓ – ok"}}';
    await syncText(share, [sent]);
    const row = await storedRow(share.id, "part/msg_1/prt_1");
    expect(row.body).toBe(sent);
    expect(row.bytes).toBe(utf8Bytes(sent));
  });

  it("serializes an item that repeats a key, so the value the parse dropped (a secret) is never stored", async () => {
    const share = await createShare();
    const sent = `{"type":"part","data":{"id":"prt_1","messageID":"msg_1","type":"text","text":"token ${githubToken}","text":"fine"}}`;
    await syncText(share, [sent]);
    const row = await storedRow(share.id, "part/msg_1/prt_1");
    expect(row.body).toBe(JSON.stringify(JSON.parse(sent)));
    expect(row.body).not.toContain(githubToken);
  });

  it("serializes an item sent with whitespace between its tokens, so every stored entry is compact JSON", async () => {
    const share = await createShare();
    const item = { type: "part", data: { id: "prt_1", messageID: "msg_1", type: "text", text: "a\nb" } };
    await syncText(share, [JSON.stringify(item, null, 2)]);
    const row = await storedRow(share.id, "part/msg_1/prt_1");
    expect(row.body).toBe(JSON.stringify(item));
  });

  it("serializes only the items redaction rewrote; the others of the batch keep their text", async () => {
    const share = await createShare();
    const secret = `{"type":"part","data":{"id":"prt_1","messageID":"msg_1","type":"text","text":"token ${githubToken}"}}`;
    const plain = '{"type":"part","data":{"id":"prt_2","messageID":"msg_1","type":"text","text":"caf\\u00e9"}}';
    expect(await syncText(share, [secret, plain])).toMatchObject({ accepted: 2, redacted: 1 });
    const redacted = await storedRow(share.id, "part/msg_1/prt_1");
    expect(redacted.body).not.toContain(githubToken);
    expect(redacted.body).toContain("[redacted:");
    expect(redacted.bytes).toBe(utf8Bytes(redacted.body));
    expect((await storedRow(share.id, "part/msg_1/prt_2")).body).toBe(plain);
  });

  it("stores a session without the share secret the CLI put in it, whatever its text said", async () => {
    const share = await createShare();
    const sent = `{"type":"session","data":{"id":"ses_1","title":"t","share":{"url":"u","secret":"s3cr3t"}}}`;
    await syncText(share, [sent]);
    const row = await storedRow(share.id, "session");
    expect(row.body).not.toContain("s3cr3t");
    expect(JSON.parse(row.body)).toEqual({ type: "session", data: { id: "ses_1", title: "t", share: { url: "u" } } });
  });
});
