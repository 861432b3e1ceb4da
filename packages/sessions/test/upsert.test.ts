/** `upsertItems` writes every row of a batch with its own values, across statements, replacing rows and tombstones. */

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type ItemRow, type ItemWrite, UPSERT_ROWS, upsertItems } from "../src/room/store";
import type { ShareRoom } from "../src/share-room";
import { createShare } from "./helpers";
import { roomOf } from "./room-helpers";

const write = (n: number, seq: number): ItemWrite => ({
  key: `part/msg_1/prt_${String(n).padStart(3, "0")}`,
  seq,
  bytes: 10 + n,
  body: n % 5 === 0 ? null : `{"n":${n},"seq":${seq}}`,
  ref: n % 5 === 0 ? `{"hash":"h${n}"}` : null,
  hash: n % 5 === 0 ? `h${n}` : null,
  progress: n % 2 === 0 ? `[${n}]` : null,
  epoch: n % 3 === 0 ? null : 1_700_000_000_000 + n,
});

describe("upsertItems", () => {
  it("writes more rows than one statement takes, each with its values, over existing rows and tombstones", async () => {
    const share = await createShare();
    const count = UPSERT_ROWS * 2 + 5;
    const rows = await runInDurableObject(roomOf(share.id), (_room: ShareRoom, state) => {
      const sql = state.storage.sql;
      state.storage.transactionSync(() => {
        upsertItems(
          sql,
          Array.from({ length: 10 }, (_, n) => write(n, n + 1)),
        );
        sql.exec("UPDATE items SET removed = 1, body = NULL WHERE key = ?", write(3, 0).key);
      });
      state.storage.transactionSync(() =>
        upsertItems(
          sql,
          Array.from({ length: count }, (_, n) => write(n, 100 + n)),
        ),
      );
      return sql.exec<ItemRow>("SELECT * FROM items ORDER BY key").toArray();
    });
    expect(rows).toEqual(Array.from({ length: count }, (_, n) => ({ ...write(n, 100 + n), removed: 0 })));
  });
});
