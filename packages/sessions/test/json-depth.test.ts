/** The nesting check every JSON body passes before `JSON.parse` (middleware/body.ts). */
import { describe, expect, it } from "vitest";
import { jsonDepth } from "../src/middleware/body";

describe("jsonDepth", () => {
  it("counts the deepest nesting of arrays and objects", () => {
    expect(jsonDepth("[]", 64)).toBe(1);
    expect(jsonDepth('{"a":[1,{"b":[[]]}],"c":{}}', 64)).toBe(5);
    expect(jsonDepth('"text"', 64)).toBe(0);
  });

  it("ignores brackets inside strings, after escaped quotes and after escaped backslashes alike", () => {
    expect(jsonDepth('{"a":"[[[{{{"}', 64)).toBe(1);
    expect(jsonDepth('{"a":"say \\"[[[\\" twice"}', 64)).toBe(1);
    expect(jsonDepth('{"a":"C:\\\\"}', 64)).toBe(1);
    expect(jsonDepth('[["C:\\\\",["x"]]]', 64)).toBe(3);
    expect(jsonDepth('{"a":"\\\\\\"[["}', 64)).toBe(1);
  });

  it("stops past the limit, and reads an unterminated string as the end of the text", () => {
    expect(jsonDepth("[".repeat(100_000), 64)).toBe(65);
    expect(jsonDepth('[["open', 64)).toBe(2);
  });
});
