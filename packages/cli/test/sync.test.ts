import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Item, itemKey } from "@shareroom/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../src/api.ts";
import { SessionSource } from "../src/source.ts";
import { ShareSync } from "../src/sync.ts";
import { pathOf, SESSIONS } from "./fixtures.ts";
import { type Recorder, startRecorder } from "./recorder.ts";

let recorder: Recorder;
const home = mkdtempSync(join(tmpdir(), "shareroom-sync-"));

beforeAll(async () => {
  recorder = await startRecorder();
});
afterAll(async () => {
  await recorder.close();
  rmSync(home, { recursive: true, force: true });
});

const syncs = () => recorder.requests.filter((request) => request.path.endsWith("/sync"));
const keysOf = (body: Record<string, unknown>) =>
  (body.data as { type: string; data: { id: string; messageID?: string } }[]).map((item) =>
    item.type === "part"
      ? `part/${item.data.messageID}/${item.data.id}`
      : item.type === "message"
        ? `message/${item.data.id}`
        : item.type,
  );

/** A Gemini CLI chat file in a fresh project folder, written line by line by the test. */
function geminiChat(name: string) {
  const chats = join(home, name, "chats");
  mkdirSync(chats, { recursive: true });
  appendFileSync(join(home, name, ".project_root"), "/home/dev/rewind");
  const path = join(chats, "session-2026-12-01T09-00-abcdef12.jsonl");
  const write = (record: unknown) => appendFileSync(path, `${JSON.stringify(record)}\n`);
  write({
    sessionId: "abcdef12-0000-4000-8000-000000000000",
    projectHash: "x",
    startTime: "2026-12-01T09:00:00.000Z",
    kind: "main",
  });
  return { path, write };
}

/**
 * A {@link geminiChat} holding `records`, read once by a {@link SessionSource}, and a {@link ShareSync} to the
 * recorder's share `share` (nothing sent yet).
 */
function followChat(name: string, records: unknown[], share: { id: string; secret: string }) {
  const chat = geminiChat(name);
  for (const record of records) chat.write(record);
  const source = new SessionSource("gemini", chat.path);
  source.poll();
  const sync = new ShareSync({ server: recorder.origin, ...share });
  return { chat, source, sync };
}

const user = (id: string, second: number, text: string) => ({
  id,
  timestamp: `2026-12-01T09:00:${String(second).padStart(2, "0")}.000Z`,
  type: "user",
  content: [{ text }],
});
const gemini = (id: string, second: number, text: string) => ({
  id,
  timestamp: `2026-12-01T09:00:${String(second).padStart(2, "0")}.000Z`,
  type: "gemini",
  content: text,
  tokens: { input: 10, output: 2, cached: 0, thoughts: 0, tool: 0, total: 12 },
  model: "gemini-3.8-flash",
});

describe("syncing a session", () => {
  it("removes the messages a Gemini CLI rewind drops, with their parts, through the sync's removed list", async () => {
    const { chat, source, sync } = followChat(
      "rewind",
      [
        user("u1", 1, "first question"),
        gemini("g1", 2, "first answer"),
        user("u2", 3, "second question"),
        gemini("g2", 4, "second answer"),
      ],
      { id: "rewound", secret: "s" },
    );
    await sync.flush(source.items());
    const before = keysOf(syncs().at(-1)!.body);
    const dropped = before.filter((key) => key !== "session").slice(4);
    expect(dropped).toHaveLength(4);

    chat.write({ $rewindTo: "u2" });
    chat.write(user("u3", 5, "another question"));
    source.poll();
    await sync.flush(source.items());
    const after = syncs().at(-1)!.body;
    expect([...(after.removed as string[])].sort()).toEqual([...dropped].sort());
    expect(keysOf(after)).toContain("session");
    expect(JSON.stringify(after.data)).toContain("another question");
    expect(JSON.stringify(after.data)).not.toContain("second answer");
  });

  it("upserts a Gemini CLI record appended again with the same id", async () => {
    const { chat, source, sync } = followChat("upsert", [user("u1", 1, "question"), gemini("g1", 2, "")], {
      id: "upserted",
      secret: "s",
    });
    await sync.flush(source.items());
    chat.write(gemini("g1", 2, "the whole answer"));
    source.poll();
    await sync.flush(source.items());
    const last = syncs().at(-1)!.body;
    expect(JSON.stringify(last.data)).toContain("the whole answer");
    expect(source.items().filter((item) => item.type === "message")).toHaveLength(2);
    expect(source.items().filter((item) => item.type === "part")).toHaveLength(2);
  });

  it("sends only what changed since the server acknowledged, and nothing when nothing changed", async () => {
    const { chat, source, sync } = followChat("delta", [user("u1", 1, "question")], { id: "delta", secret: "s" });
    await sync.flush(source.items());
    const count = syncs().length;
    expect(await sync.flush(source.items())).toEqual({ sent: 0, removed: 0, redacted: 0, refused: [] });
    expect(syncs()).toHaveLength(count);
    chat.write(gemini("g1", 2, "answer"));
    source.poll();
    await sync.flush(source.items());
    expect(keysOf(syncs().at(-1)!.body).filter((key) => key !== "session").length).toBe(2);
  });

  it("keeps every change while the server is away and sends them, coalesced by key, once it answers", async () => {
    const { chat, source, sync } = followChat("away", [user("u1", 1, "question")], { id: "away", secret: "s" });
    await sync.flush(source.items());
    recorder.failNext(2);
    chat.write(gemini("g1", 2, "partial"));
    source.poll();
    await expect(sync.flush(source.items())).rejects.toBeInstanceOf(ApiError);
    chat.write(gemini("g1", 2, "partial, then whole"));
    chat.write(user("u2", 3, "next"));
    source.poll();
    await expect(sync.flush(source.items())).rejects.toMatchObject({ status: 503, retryable: true });
    await sync.flush(source.items());
    const body = syncs().at(-1)!.body;
    const keys = keysOf(body);
    expect(new Set(keys).size).toBe(keys.length);
    expect(JSON.stringify(body.data)).toContain("partial, then whole");
    expect(JSON.stringify(body.data)).toContain('"next"');
  });

  it("skips an item the server refuses with a 4xx, reports its code, and keeps every other item flowing", async () => {
    recorder.refuse("REFUSED-BY-413", 413, "payload_too_large");
    const { chat, source, sync } = followChat(
      "refused-4xx",
      [
        user("u1", 1, "question"),
        gemini("g1", 2, "an answer the server refuses: REFUSED-BY-413"),
        user("u2", 3, "a question after it"),
      ],
      { id: "refused-4xx", secret: "s" },
    );
    const first = await sync.flush(source.items());
    expect(first.refused).toEqual([expect.objectContaining({ code: "payload_too_large" })]);
    expect(first.refused[0]!.key).toMatch(/^part\//);
    expect(sync.refused).toBe(1);
    expect(sync.refusedCodes()).toEqual({ payload_too_large: 1 });
    expect(sync.synced).toBe(source.items().length - 1);
    const accepted = () =>
      syncs().filter(
        (request) =>
          request.path === "/api/share/refused-4xx/sync" && !JSON.stringify(request.body).includes("REFUSED-BY-413"),
      );
    expect(JSON.stringify(accepted().map((request) => request.body.data))).toContain("a question after it");

    const count = syncs().length;
    expect(await sync.flush(source.items())).toEqual({ sent: 0, removed: 0, redacted: 0, refused: [] });
    expect(syncs()).toHaveLength(count);
    chat.write(gemini("g2", 4, "a later answer"));
    source.poll();
    const later = await sync.flush(source.items());
    expect(later.refused).toEqual([]);
    expect(later.sent).toBeGreaterThan(0);
    expect(
      syncs()
        .slice(count)
        .map((request) => JSON.stringify(request.body)),
    ).toEqual([expect.stringContaining("a later answer")]);
    expect(JSON.stringify(syncs().slice(count))).not.toContain("REFUSED-BY-413");
  });

  it("sends a refused item again once it changes, and counts it as synced when the server takes it", async () => {
    recorder.refuse("REFUSED-UNTIL-EDITED", 400, "invalid_body");
    const { chat, source, sync } = followChat(
      "refused-edited",
      [user("u1", 1, "question"), gemini("g1", 2, "REFUSED-UNTIL-EDITED")],
      { id: "refused-edited", secret: "s" },
    );
    expect((await sync.flush(source.items())).refused).toHaveLength(1);
    chat.write(gemini("g1", 2, "an edited answer"));
    source.poll();
    expect((await sync.flush(source.items())).refused).toEqual([]);
    expect(sync.refused).toBe(0);
    expect(sync.synced).toBe(source.items().length);
  });

  it("counts the items a 200 answer lists as refused and does not send them again", async () => {
    recorder.refuse("REFUSED-IN-200", 200, "item_too_large");
    const { source, sync } = followChat("refused-200", [user("u1", 1, "question"), gemini("g1", 2, "REFUSED-IN-200")], {
      id: "refused-200",
      secret: "s",
    });
    const result = await sync.flush(source.items());
    expect(result.refused).toEqual([expect.objectContaining({ code: "item_too_large" })]);
    expect(sync.synced).toBe(source.items().length - 1);
    const count = syncs().length;
    await sync.flush(source.items());
    expect(syncs()).toHaveLength(count);
  });

  it.each([
    ["invalid_share_id", 400, "invalid_share_id"],
    ["unauthorized", 401, "unauthorized"],
    ["upgrade_required", 426, "upgrade_required"],
    ["a code the client does not know", 422, "some_new_code"],
    ["a proxy's HTML page", 400, null],
  ] as const)("stops at a 4xx answer with %s, refusing no item and splitting nothing", async (name, status, code) => {
    const marker = `SHARE-LEVEL-${status}-${code ?? "html"}`;
    recorder.refuse(marker, status, code);
    const chat = geminiChat(`share-level-${name.replace(/\W+/g, "-")}`);
    chat.write(user("u1", 1, "question"));
    chat.write(gemini("g1", 2, marker));
    chat.write(user("u2", 3, "another question"));
    const source = new SessionSource("gemini", chat.path);
    source.poll();
    const id = `share-level-${status}`;
    const sync = new ShareSync({ server: recorder.origin, id, secret: "s" });
    const before = syncs().length;
    await expect(sync.flush(source.items())).rejects.toMatchObject({
      status,
      code: code ?? `http_${status}`,
      fatal: true,
    });
    expect(syncs()).toHaveLength(before + 1);
    expect(sync.refused).toBe(0);
    expect(sync.synced).toBe(0);
  });

  it("holds the items back, refusing none, while the share is full, until a removal is acknowledged", async () => {
    recorder.refuse("FILLS-THE-SHARE", 413, "share_too_large");
    const { chat, source, sync } = followChat(
      "share-full",
      [user("u1", 1, "question"), gemini("g1", 2, "answer"), user("u2", 3, "second question")],
      { id: "share-full", secret: "s" },
    );
    await sync.flush(source.items());
    chat.write(gemini("g2", 4, "an answer the share has no room for: FILLS-THE-SHARE"));
    source.poll();
    const full = { status: 413, code: "share_too_large", retryable: true };
    await expect(sync.flush(source.items())).rejects.toMatchObject(full);
    expect(sync.refused).toBe(0);
    const count = syncs().length;
    await expect(sync.flush(source.items())).rejects.toMatchObject(full);
    expect(syncs()).toHaveLength(count);

    chat.write({ $rewindTo: "u2" });
    chat.write(user("u3", 5, "a question after the rewind"));
    source.poll();
    const result = await sync.flush(source.items());
    expect(result.removed).toBe(2);
    const [removal, ...rest] = syncs().slice(count);
    expect(removal!.body.data).toEqual([]);
    expect(removal!.body.removed).toHaveLength(2);
    expect(JSON.stringify(rest.map((request) => request.body.data))).toContain("a question after the rewind");
    expect(sync.refused).toBe(0);
    expect(sync.synced).toBe(source.items().length);
  });

  it("throws an item-level refusal the empty sync gets too, instead of refusing every item", async () => {
    recorder.refuse("REQUEST-REFUSED-SECRET", 400, "invalid_body");
    const { source, sync } = followChat("request-refused", [user("u1", 1, "question"), gemini("g1", 2, "answer")], {
      id: "request-refused",
      secret: "REQUEST-REFUSED-SECRET",
    });
    const before = syncs().length;
    await expect(sync.flush(source.items())).rejects.toMatchObject({ status: 400, code: "invalid_body" });
    expect(
      syncs()
        .slice(before)
        .map((request) => (request.body.data as unknown[]).length),
    ).toEqual([source.items().length, 0]);
    expect(sync.refused).toBe(0);
  });

  it.each(SESSIONS.filter((session) => session.agent !== "gemini"))(
    "leaves the server with exactly a full read's items after syncing along a few lines at a time ($name)",
    async (session) => {
      const project = mkdtempSync(join(home, "along-"));
      const path = join(project, pathOf(session).split("/").at(-1)!);
      const lines = readFileSync(pathOf(session), "utf8").split("\n");
      const source = new SessionSource(session.agent, path);
      const id = `along-${SESSIONS.indexOf(session)}`;
      const sync = new ShareSync({ server: recorder.origin, id, secret: "s" });
      for (let at = 0; at < lines.length; at += 3) {
        appendFileSync(path, lines.slice(at, at + 3).join("\n") + (at + 3 < lines.length ? "\n" : ""));
        source.poll();
        await sync.flush(source.items());
      }
      const stored = new Map<string, string>();
      for (const request of syncs().filter((entry) => entry.path === `/api/share/${id}/sync`)) {
        for (const item of request.body.data as Item[]) stored.set(itemKey(item), JSON.stringify(item));
        for (const key of (request.body.removed as string[] | undefined) ?? []) stored.delete(key);
      }
      const full = new SessionSource(session.agent, path);
      full.poll();
      expect(stored).toEqual(new Map(full.items().map((item) => [itemKey(item), JSON.stringify(item)])));
    },
  );
});
