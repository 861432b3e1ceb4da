import { SHARE_ID_PATTERN } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { newSecret, newShareId } from "../src/secrets";

describe("share ids", () => {
  it("never start with '-', so a command line takes them as an argument (1 in 64 would, drawn uniformly)", () => {
    // 4,000 draws: a uniform first character would be '-' in about 62 of them, and in none with odds of 1e-27.
    const ids = Array.from({ length: 4000 }, () => newShareId());
    expect(ids.filter((id) => id.startsWith("-"))).toEqual([]);
    for (const id of ids) expect(id).toMatch(SHARE_ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    // Every other first character still comes up: '_' (63) and 'A' (0) included.
    const firsts = new Set(ids.map((id) => id[0]));
    expect(firsts.size).toBe(63);
  });

  it("leaves secrets as they were: 43 base64url characters", () => {
    expect(newSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
