/**
 * Items: the units the opencode CLI syncs, their schemas, and their merge keys.
 *
 * Source: the opencode share protocol (docs/opencode-protocol.md §1 and §3, gathered from the public
 * opencode repository and the CLI 1.18.33). Schemas check only what storage relies on (the fields that
 * make up the merge key); every other field passes through untouched, so new CLI fields are never lost.
 */
import { z } from "zod";
import { ID_PATTERN } from "./patterns.ts";

/** Item types the CLI sends today; any other lowercase type name is stored opaquely under its own key. */
export const KNOWN_ITEM_TYPES = ["session", "message", "part", "session_diff", "model"] as const;

/** The name of an item type: known or future (e.g. the 2.0 line's `messages`). */
export const ITEM_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

const id = z.string().regex(ID_PATTERN, "must be 1–128 characters of A–Z a–z 0–9 _ - . : ~");

/** `session` item data: an opencode Session; only `id` is required. */
export const SessionSchema = z.looseObject({ id: z.string() });
/** `message` item data: an opencode user or assistant Message; `id` is part of the merge key. */
export const MessageSchema = z.looseObject({ id, sessionID: z.string().optional(), role: z.string().optional() });
/** `part` item data: an opencode Part of any kind; `messageID` and `id` make up the merge key. */
export const PartSchema = z.looseObject({ id, messageID: id, type: z.string() });
/**
 * One entry of a `session_diff` item. Both shapes are accepted: `{file, before, after}` (CLI before ~1.3.18) and
 * `{file?, patch?}` (later), each with `additions`, `deletions`, `status?`.
 */
export const FileDiffSchema = z.looseObject({ file: z.string().optional() });
/** One entry of a `model` item: a provider model; `headers` and `options` are stripped on ingest. */
export const ModelSchema = z.looseObject({ id: z.string().optional(), providerID: z.string().optional() });

/** The item union, as the CLI sends it in a sync batch. */
export const KnownItemSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("session"), data: SessionSchema }),
  z.object({ type: z.literal("message"), data: MessageSchema }),
  z.object({ type: z.literal("part"), data: PartSchema }),
  z.object({ type: z.literal("session_diff"), data: z.array(FileDiffSchema) }),
  z.object({ type: z.literal("model"), data: z.array(ModelSchema) }),
]);

/** An item of a type this version does not know: stored as opaque JSON under the key `<type>`. */
export const UnknownItemSchema = z.object({
  type: z.string().regex(ITEM_TYPE_PATTERN, "must be a lowercase type name"),
  data: z.unknown(),
});

export type Session = z.infer<typeof SessionSchema> & Record<string, unknown>;
export type Message = z.infer<typeof MessageSchema> & Record<string, unknown>;
export type Part = z.infer<typeof PartSchema> & Record<string, unknown>;
export type FileDiff = z.infer<typeof FileDiffSchema> & Record<string, unknown>;
export type Model = z.infer<typeof ModelSchema> & Record<string, unknown>;

/** An item as stored and served: one of the known kinds, or `{type, data}` of an unknown kind. */
export type Item =
  | { type: "session"; data: Session }
  | { type: "message"; data: Message }
  | { type: "part"; data: Part }
  | { type: "session_diff"; data: FileDiff[] }
  | { type: "model"; data: Model[] }
  | { type: string; data: unknown };

/** The outcome of checking one raw item of a batch. */
export type ItemCheck =
  | { ok: true; key: string; item: Item }
  | { ok: false; code: "invalid_item" | "invalid_id"; message: string };

/**
 * The merge key of an item, exactly as the opencode CLI computes it: `session`, `message/<id>`,
 * `part/<messageID>/<id>`, `session_diff`, `model`; an unknown type is keyed by its type name.
 * Source: opencode `packages/opencode/src/share/share-next.ts` (the sync queue's key function).
 */
export function itemKey(item: Item): string {
  switch (item.type) {
    case "message":
      return `message/${(item.data as Message).id}`;
    case "part": {
      const part = item.data as Part;
      return `part/${part.messageID}/${part.id}`;
    }
    default:
      return item.type;
  }
}

/**
 * Checks one raw element of a sync batch and returns its key and a privacy-stripped copy, or why it is refused.
 * Never throws. Refuses only what cannot be keyed safely: a non-object, a type name that is not a lowercase
 * identifier, a known type missing the fields of its key, or an id that could escape a key (`/`, `..`, controls).
 */
export function checkItem(raw: unknown): ItemCheck {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, code: "invalid_item", message: "an item must be an object {type, data}" };
  }
  const type = (raw as { type?: unknown }).type;
  if ((KNOWN_ITEM_TYPES as readonly unknown[]).includes(type)) {
    const parsed = KnownItemSchema.safeParse(raw);
    if (!parsed.success) {
      const idIssue = parsed.error.issues.find((issue) => issue.code === "invalid_format");
      return {
        ok: false,
        code: idIssue ? "invalid_id" : "invalid_item",
        message: `${String(type)} item: ${z.prettifyError(parsed.error).replaceAll("\n", " ")}`,
      };
    }
    // Keep the original object (not zod's copy) so key order and unknown fields are exactly what the CLI sent.
    const item = stripPrivateFields(raw as Item);
    return { ok: true, key: itemKey(item), item };
  }
  const parsed = UnknownItemSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, code: "invalid_item", message: "an item needs a lowercase string `type` and a `data` field" };
  }
  const item = raw as Item;
  return { ok: true, key: itemKey(item), item };
}

/**
 * Returns `item` without the fields that must never be stored (copies only what it changes):
 * `session.share.secret` (CLI 1.0.x–1.1.x put the share secret into the session) and `model[].headers` /
 * `model[].options` (merged from the user's provider config; can hold credentials).
 * Source: docs/opencode-protocol.md §1, "Removed on ingest".
 */
export function stripPrivateFields(item: Item): Item {
  if (item.type === "session") {
    const session = item.data as Session;
    const share = session.share;
    if (share && typeof share === "object" && "secret" in share) {
      const { secret: _secret, ...rest } = share as Record<string, unknown>;
      return { ...item, data: { ...session, share: rest } } as Item;
    }
    return item;
  }
  if (item.type === "model" && Array.isArray(item.data)) {
    const models = item.data as Model[];
    if (!models.some((model) => model && typeof model === "object" && ("headers" in model || "options" in model))) {
      return item;
    }
    return {
      ...item,
      data: models.map((model) => {
        if (!model || typeof model !== "object") return model;
        const { headers: _headers, options: _options, ...rest } = model;
        return rest;
      }),
    } as Item;
  }
  return item;
}
