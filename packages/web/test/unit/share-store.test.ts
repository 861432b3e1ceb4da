/**
 * The share store's seq rules (`lib/share-store.ts`): what `apply`, `replace`, `resolve` and `fail` keep, and the
 * index it derives. Runs Solid's reactive core in Node (the browser build, see vitest.config.ts).
 */
import type { BlobRef, Entry, Item } from "@shareroom/shared";
import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { createShareStore, type ShareStore } from "../../src/lib/share-store";

const KEY = "part/msg_1/prt_1";

function part(text: string): Item {
  return { type: "part", data: { id: "prt_1", messageID: "msg_1", type: "text", text } };
}

function inline(seq: number, text: string, key = KEY): Entry {
  return { key, seq, item: part(text) };
}

function byRef(seq: number, hash: string, key = KEY): Extract<Entry, { ref: BlobRef }> {
  return { key, seq, ref: { hash, bytes: 200_000, type: "part:text" } };
}

/** Runs `body` with a fresh store inside a Solid root, disposed afterwards. */
function withStore(body: (store: ShareStore) => void): void {
  createRoot((dispose) => {
    try {
      body(createShareStore());
    } finally {
      dispose();
    }
  });
}

const textOf = (store: ShareStore) => store.dataOf(KEY, "part")?.text;

describe("share store", () => {
  it("counts the secrets its items show as redacted, following replacements and removals", () => {
    withStore((store) => {
      expect(store.redactions()).toBe(0);
      store.apply([inline(1, "key [redacted:aws] and [redacted:github-pat]")]);
      store.apply([inline(1, "[redacted:openai]", "part/msg_1/prt_2")]);
      expect(store.redactions()).toBe(3);
      store.apply([inline(2, "key [redacted:over-limit]")]);
      expect(store.redactions()).toBe(2);
      store.replace([inline(2, "key [redacted:over-limit]")]);
      expect(store.redactions()).toBe(1);
      store.apply([inline(3, "[redacted:<b>]: not a marker")]);
      expect(store.redactions()).toBe(0);
    });
  });

  it("applies an entry only when its seq is higher than the held one", () => {
    withStore((store) => {
      store.apply([inline(2, "second")]);
      store.apply([inline(1, "first"), inline(2, "again")]);
      expect(textOf(store)).toBe("second");
      store.apply([inline(3, "third")]);
      expect(textOf(store)).toBe("third");
      expect(store.entry(KEY)?.seq).toBe(3);
    });
  });

  it("returns ref entries to load, and resolves only the seq they were for", () => {
    withStore((store) => {
      expect(store.apply([byRef(1, "a")])).toEqual([byRef(1, "a")]);
      expect(textOf(store)).toBeUndefined();
      store.apply([byRef(2, "b")]);
      store.resolve(KEY, 1, part("stale"));
      expect(textOf(store)).toBeUndefined();
      store.resolve(KEY, 2, part("big"));
      expect(textOf(store)).toBe("big");
      expect(store.entry(KEY)?.failed).toBe(false);
    });
  });

  it("keeps the previous item on screen while a newer blob loads, apart from the item at the new seq", () => {
    withStore((store) => {
      store.apply([inline(1, "old")]);
      store.apply([byRef(2, "b")]);
      expect(textOf(store)).toBe("old");
      expect(store.entry(KEY)?.item).toBeNull();
      expect(store.entry(KEY)?.previous).toEqual(part("old"));
    });
  });

  it("marks a failed load of a newer blob, keeps the previous item, and ignores failures of older seqs", () => {
    withStore((store) => {
      store.apply([inline(1, "old")]);
      store.apply([byRef(2, "b")]);
      store.fail(KEY, 1);
      expect(store.entry(KEY)?.failed).toBe(false);
      store.fail(KEY, 2);
      expect(store.entry(KEY)?.failed).toBe(true);
      expect(textOf(store)).toBe("old");
      store.retrying(KEY, 2);
      expect(store.entry(KEY)?.failed).toBe(false);
      store.resolve(KEY, 2, part("new"));
      expect(textOf(store)).toBe("new");
    });
  });

  it("after a reset, loads again a newer blob whose load failed, though the previous item is held at that seq", () => {
    withStore((store) => {
      store.apply([inline(1, "old")]);
      store.apply([byRef(2, "b")]);
      store.fail(KEY, 2);
      const toLoad = store.replace([byRef(2, "b")]);
      expect(toLoad).toEqual([byRef(2, "b")]);
      expect(store.entry(KEY)?.failed).toBe(false);
      expect(textOf(store)).toBe("old");
      store.resolve(KEY, 2, part("new"));
      expect(textOf(store)).toBe("new");
    });
  });

  it("after a reset, keeps loaded entries at the same seq and drops keys the snapshot no longer has", () => {
    withStore((store) => {
      store.apply([byRef(2, "b"), inline(3, "other", "part/msg_1/prt_2")]);
      store.resolve(KEY, 2, part("loaded"));
      expect(store.replace([byRef(2, "b")])).toEqual([]);
      expect(textOf(store)).toBe("loaded");
      expect(store.entry("part/msg_1/prt_2")).toBeUndefined();
      expect(store.partKeys("msg_1")).toEqual([KEY]);
    });
  });

  it("a reset that moves a key backwards replaces it, even with an older seq", () => {
    withStore((store) => {
      store.apply([inline(5, "ahead")]);
      store.replace([inline(4, "behind")]);
      expect(textOf(store)).toBe("behind");
    });
  });

  it("keeps message ids and part keys in id order, and a new messageIds only when the ids change", () => {
    withStore((store) => {
      store.apply([
        inline(1, "x", "part/msg_2/prt_b"),
        inline(2, "x", "part/msg_2/prt_a"),
        { key: "message/msg_3", seq: 3, item: { type: "message", data: { id: "msg_3", role: "user" } } },
        { key: "message/msg_1", seq: 4, item: { type: "message", data: { id: "msg_1", role: "user" } } },
      ]);
      const ids = store.messageIds();
      expect(ids).toEqual(["msg_1", "msg_2", "msg_3"]);
      expect(store.partKeys("msg_2")).toEqual(["part/msg_2/prt_a", "part/msg_2/prt_b"]);
      store.apply([inline(5, "changed", "part/msg_2/prt_a")]);
      expect(store.messageIds()).toBe(ids);
      store.replace([inline(6, "only", "part/msg_2/prt_a")]);
      expect(store.messageIds()).toEqual(["msg_2"]);
      expect(store.partKeys("msg_2")).toEqual(["part/msg_2/prt_a"]);
      expect(store.turns()).toEqual([]);
    });
  });
});

describe("share store removals", () => {
  const message = (id: string, seq: number): Entry => ({
    key: `message/${id}`,
    seq,
    item: { type: "message", data: { id, role: "user" } },
  });

  it("a removal drops the key, and removing a message drops its parts too", () => {
    withStore((store) => {
      store.apply([message("msg_1", 1), inline(2, "a", "part/msg_1/prt_a"), message("msg_2", 3)]);
      store.remove([{ key: "message/msg_1", seq: 4 }]);
      expect(store.messageIds()).toEqual(["msg_2"]);
      expect(store.partKeys("msg_1")).toEqual([]);
      expect(store.peek("part/msg_1/prt_a")).toBeUndefined();
    });
  });

  it("a change older than a removal never brings the key back; a newer one does", () => {
    withStore((store) => {
      store.remove([{ key: "message/msg_1", seq: 5 }]);
      store.apply([message("msg_1", 2), inline(3, "old", "part/msg_1/prt_a")]);
      expect(store.messageIds()).toEqual([]);
      store.apply([inline(6, "new", "part/msg_1/prt_a")]);
      expect(store.partKeys("msg_1")).toEqual(["part/msg_1/prt_a"]);
    });
  });

  it("a removal older than what is held leaves the newer change in place", () => {
    withStore((store) => {
      store.apply([inline(7, "kept")]);
      store.remove([{ key: KEY, seq: 6 }]);
      expect(textOf(store)).toBe("kept");
    });
  });

  it("tombstones in applied entries drop keys whatever order the entries come in", () => {
    withStore((store) => {
      // A segment's tombstone first, then an older segment holding the key: the key stays removed.
      store.apply([{ key: KEY, seq: 4, removed: true }]);
      store.apply([inline(2, "older")]);
      expect(store.peek(KEY)).toBeUndefined();
      store.apply([inline(1, "x", "part/msg_2/prt_b"), { key: "part/msg_2/prt_b", seq: 3, removed: true }]);
      expect(store.messageIds()).toEqual([]);
    });
  });
});
