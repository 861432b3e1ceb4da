/**
 * Where find marks a match: offsets in the text as it is, whatever lowercasing does to the length of the characters
 * before or inside the match.
 */
import { describe, expect, it } from "vitest";
import { foldWithOffsets, matchSpans } from "../../src/lib/search-highlight";

/** The text each span covers, read back from the original texts. */
function marked(texts: string[], query: string): string[] {
  return matchSpans(texts, query).map((span) => {
    if (span.start === span.end) return texts[span.start]!.slice(span.startOffset, span.endOffset);
    return (
      texts[span.start]!.slice(span.startOffset) +
      texts.slice(span.start + 1, span.end).join("") +
      texts[span.end]!.slice(0, span.endOffset)
    );
  });
}

describe("search marks", () => {
  it("mark the match itself after an İ, which lowercases to two UTF-16 units", () => {
    expect("İ".toLowerCase()).toHaveLength(2);
    expect(marked(["İstanbul İzmir parser"], "parser")).toEqual(["parser"]);
    expect(marked(["İİİ x", "yz"], "xy")).toEqual(["xy"]);
  });

  it("mark a match that begins or ends inside an expanded character as the whole character", () => {
    expect(marked(["aİb"], "İb")).toEqual(["İb"]);
    expect(marked(["aİb"], "i")).toEqual(["İ"]);
    expect(marked(["KİM kim"], "kim")).toEqual(["kim"]);
  });

  it("mark ß and ẞ, which keep their length, as each other", () => {
    expect(marked(["Straße STRAẞE"], "straße")).toEqual(["Straße", "STRAẞE"]);
    expect(marked(["ẞ and ß"], "ẞ")).toEqual(["ẞ", "ß"]);
  });

  it("mark across text nodes, astral characters included", () => {
    expect(marked(["😀İ fo", "o bar"], "foo")).toEqual(["foo"]);
    expect(marked(["", "abc", "", "def"], "cd")).toEqual(["cd"]);
  });

  it("keep offsets as they are when no character changes length", () => {
    expect(foldWithOffsets("Hello ẞ").ends).toBeUndefined();
    const { folded, ends } = foldWithOffsets("İa");
    expect(folded).toBe("i̇a");
    expect(ends).toEqual([1, 1, 2]);
  });
});
