import { describe, expect, it } from "vitest";
import { checkItem, itemKey, stripPrivateFields } from "../src/items";
import { parseSince } from "../src/live";

describe("itemKey", () => {
  it("keys items exactly as the opencode CLI does", () => {
    expect(itemKey({ type: "session", data: { id: "ses_1" } })).toBe("session");
    expect(itemKey({ type: "message", data: { id: "msg_1" } })).toBe("message/msg_1");
    expect(itemKey({ type: "part", data: { id: "prt_1", messageID: "msg_1", type: "text" } })).toBe("part/msg_1/prt_1");
    expect(itemKey({ type: "session_diff", data: [] })).toBe("session_diff");
    expect(itemKey({ type: "model", data: [] })).toBe("model");
    expect(itemKey({ type: "messages", data: {} })).toBe("messages");
  });
});

describe("checkItem", () => {
  it("passes unknown fields and unknown part kinds through untouched", () => {
    const raw = { type: "part", data: { id: "prt_1", messageID: "msg_1", type: "hologram", extra: { deep: [1] } } };
    expect(checkItem(raw)).toEqual({ ok: true, key: "part/msg_1/prt_1", item: raw });
  });

  it.each([
    ["a string", "x", "invalid_item"],
    ["an array", [], "invalid_item"],
    ["a part without messageID", { type: "part", data: { id: "prt_1", type: "text" } }, "invalid_item"],
    ["a path-like part id", { type: "part", data: { id: "..", messageID: "msg_1", type: "text" } }, "invalid_id"],
    ["a slash in a message id", { type: "message", data: { id: "a/b" } }, "invalid_id"],
    ["a control character in an id", { type: "message", data: { id: "a\u0000b" } }, "invalid_id"],
    ["an over-long id", { type: "message", data: { id: "m".repeat(129) } }, "invalid_id"],
    ["a type that is not a name", { type: "../x", data: 1 }, "invalid_item"],
    ["session_diff that is not an array", { type: "session_diff", data: {} }, "invalid_item"],
  ])("refuses %s", (_name, raw, code) => {
    const checked = checkItem(raw);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.code).toBe(code);
  });
});

describe("stripPrivateFields", () => {
  it("removes session.share.secret and model headers/options, and copies only what it changes", () => {
    const session = { type: "session", data: { id: "ses_1", share: { url: "u", secret: "s" } } } as const;
    expect(stripPrivateFields(session)).toEqual({ type: "session", data: { id: "ses_1", share: { url: "u" } } });
    expect(session.data.share.secret).toBe("s");
    const model = { type: "model", data: [{ id: "m", headers: { a: "1" }, options: { apiKey: "k" }, name: "M" }] };
    expect(stripPrivateFields(model)).toEqual({ type: "model", data: [{ id: "m", name: "M" }] });
    const clean = { type: "model", data: [{ id: "m" }] };
    expect(stripPrivateFields(clean)).toBe(clean);
  });
});

describe("parseSince", () => {
  it("reads absent as 0 and refuses anything but a non-negative integer", () => {
    expect(parseSince(null)).toBe(0);
    expect(parseSince("17")).toBe(17);
    for (const bad of ["-1", "1.5", "abc", "1e3", "9".repeat(16)]) expect(parseSince(bad)).toBeNull();
  });
});
