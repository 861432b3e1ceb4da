/** The key index of a read, in columns: the highest seq wins per key, tombstones remove, rows come sorted by key. */
import { describe, expect, it } from "vitest";
import { WinnerTableBuilder } from "../src/storage/winners";

const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);

describe("the read's key index", () => {
  it("keeps per key the entry with the highest seq, whatever order the entries come in", () => {
    const builder = new WinnerTableBuilder();
    builder.consider({ key: "part/m/2", seq: 9, removed: false }, 1, 100, 200);
    builder.consider({ key: "part/m/1", seq: 4, removed: false }, 0, 0, 50);
    builder.consider({ key: "part/m/2", seq: 3, removed: false }, 0, 50, 90);
    builder.consider({ key: "part/m/1", seq: 7, removed: false }, -1, 2, 2);
    const table = builder.build();
    expect(table.slice(0, table.length)).toEqual([
      { key: "part/m/1", seq: 7, segment: -1, start: 2, end: 2, removed: false },
      { key: "part/m/2", seq: 9, segment: 1, start: 100, end: 200, removed: false },
    ]);
  });

  it("drops a key whose newest entry is a tombstone, and keeps one whose tombstone is older", () => {
    const builder = new WinnerTableBuilder();
    builder.consider({ key: "message/a", seq: 2, removed: false }, 0, 0, 10);
    builder.consider({ key: "message/a", seq: 5, removed: true }, 1, 0, 10);
    builder.consider({ key: "message/b", seq: 8, removed: false }, 1, 10, 20);
    builder.consider({ key: "message/b", seq: 6, removed: true }, 0, 10, 20);
    const table = builder.build();
    expect(table.length).toBe(1);
    expect(table.key(0)).toBe("message/b");
  });

  it("names only the blobs the winners reference", () => {
    const builder = new WinnerTableBuilder();
    builder.consider({ key: "part/m/1", seq: 1, removed: false, blob: HASH_A }, 0, 0, 10);
    builder.consider({ key: "part/m/1", seq: 2, removed: false }, 0, 10, 20);
    builder.consider({ key: "part/m/2", seq: 3, removed: false, blob: HASH_B }, 0, 20, 30);
    builder.consider({ key: "part/m/3", seq: 4, removed: false, blob: HASH_A }, 0, 30, 40);
    builder.consider({ key: "part/m/3", seq: 5, removed: true }, 0, 40, 50);
    const table = builder.build();
    expect(table.blobHashes()).toEqual([HASH_B]);
    expect(table.get(0).blob).toBeUndefined();
    expect(table.get(1).blob).toBe(HASH_B);
  });

  it("holds more keys than its first columns' size, sorted by key", () => {
    const builder = new WinnerTableBuilder();
    const keys = Array.from({ length: 5000 }, (_, i) => `part/m/${String(i).padStart(5, "0")}`);
    for (const [i, key] of [...keys].reverse().entries()) {
      builder.consider({ key, seq: i + 1, removed: false }, 2, i * 10, i * 10 + 10);
    }
    const table = builder.build();
    expect(table.length).toBe(5000);
    expect(Array.from({ length: table.length }, (_, i) => table.key(i))).toEqual(keys);
    expect(table.get(0)).toMatchObject({ key: keys[0], seq: 5000, start: 49_990, end: 50_000 });
  });
});
