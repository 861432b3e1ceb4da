/**
 * The share's first paint and link preview, built by the worker: facts from a head's tail, the meta tags and
 * header (escaped), the operator's switch, the title's wrapping in the image, and the bundled font's unwrapping.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { NEWEST_ENTRIES_BYTES } from "@shareroom/shared";
import { describe, expect, it, vi } from "vitest";
import { segmentsToRead } from "../../src/lib/head";
import { firstReadPath } from "../../src/lib/segment-order";
import {
  factsLine,
  factsOfHead,
  firstPaint,
  newestSegment,
  type PreviewFacts,
  previewsOn,
} from "../../src/worker/first-paint";
import { previewPng } from "../../src/worker/preview-png";
import { previewSvg, svgText, wrapText } from "../../src/worker/preview-svg";
import { sfntOfWoff } from "../../src/worker/woff";

const session = (extra: Record<string, unknown> = {}) => ({
  key: "session",
  seq: 1,
  item: { type: "session", data: { id: "ses_1", title: "Fix the <parser>", ...extra } },
});
const assistant = (id: string, seq: number, cost: number, modelID = "claude-sonnet-4") => ({
  key: `message/${id}`,
  seq,
  item: { type: "message", data: { id, role: "assistant", providerID: "anthropic", modelID, cost } },
});

describe("first paint facts", () => {
  it("names the agent, the latest model, the cost and the size of a share read whole from its head", () => {
    const head = {
      seq: 3,
      segments: [],
      tail: [
        session({ agent: { name: "claude", version: "2.1.332" } }),
        assistant("msg_1", 2, 0.25, "claude-haiku-4"),
        assistant("msg_2", 3, 0.5),
        { key: "message/msg_0", seq: 4, removed: true },
      ],
    };
    const facts = factsOfHead(head, 2_000);
    expect(facts).toEqual({
      title: "Fix the <parser>",
      agent: "Claude Code 2.1.332",
      model: "claude-sonnet-4",
      cost: 0.75,
      bytes: 2_000,
    });
    expect(factsLine(facts)).toBe("Claude Code 2.1.332 · claude-sonnet-4 · $0.75 · 2KB");
  });

  it("names the newest segment a head lists (the page reads it first), and only a plain segment file", () => {
    const listed = [
      { name: "segments/1-4.json", lo: 1, hi: 4, bytes: 10 },
      { name: "segments/7-8.json", lo: 7, hi: 8, bytes: 10 },
      { name: "segments/5-6.json", lo: 5, hi: 6, bytes: 10 },
    ];
    expect(newestSegment(listed)?.name).toBe("segments/7-8.json");
    expect(newestSegment([])?.name).toBeUndefined();
    expect(newestSegment(undefined)?.name).toBeUndefined();
    expect(newestSegment([{ name: "segments/../admin", lo: 1, hi: 9 }])?.name).toBeUndefined();
    expect(newestSegment([{ name: "../head.json", lo: 1, hi: 9 }, ...listed])?.name).toBe("segments/7-8.json");
    // Two segments ending at the same seq (a compaction's merge beside what it replaced): the one the page reads first.
    const tied = [
      { name: "segments/3-8.json", lo: 3, hi: 8, bytes: 10 },
      { name: "segments/7-8.json", lo: 7, hi: 8, bytes: 10 },
    ];
    expect(newestSegment(tied)?.name).toBe(segmentsToRead(tied, [])[0]!.name);
  });

  it("has the page read a large newest segment's newest entries first, a small one whole", () => {
    const base = "/api/share/abc";
    expect(newestSegment([{ name: "segments/1-4.json", lo: 1, hi: 4, bytes: 3_000_000 }])).toEqual({
      name: "segments/1-4.json",
      bytes: 3_000_000,
    });
    expect(firstReadPath(base, { name: "segments/1-4.json", bytes: 3_000_000 })).toBe(
      "/api/share/abc/segments/1-4.json?newest",
    );
    expect(firstReadPath(base, { name: "segments/1-4.json", bytes: 2 * NEWEST_ENTRIES_BYTES })).toBe(
      "/api/share/abc/segments/1-4.json",
    );
    // A head without sizes (bytes 0): read whole.
    expect(firstReadPath(base, newestSegment([{ name: "segments/1-4.json", lo: 1, hi: 4 }])!)).toBe(
      "/api/share/abc/segments/1-4.json",
    );
  });

  it("leaves the cost out when older messages are in segments, and adds the segments to the size", () => {
    const head = {
      seq: 9,
      segments: [{ name: "segments/1-5.json", lo: 1, hi: 5, bytes: 5_000_000 }],
      tail: [session({ version: "1.18.33", agent: "build" }), assistant("msg_9", 9, 1)],
    };
    const facts = factsOfHead(head, 1_000);
    expect(facts.cost).toBeUndefined();
    expect(facts.agent).toBe("opencode 1.18.33");
    expect(facts.bytes).toBe(5_001_000);
  });

  it("escapes the share's own text in every tag and in the header, and names the image only when given", () => {
    const paint = firstPaint({ title: `"><script>x</script>` }, "https://share.example/share/abc");
    expect(paint.head).not.toContain("<script>");
    expect(paint.body).not.toContain("<script>");
    expect(paint.head).toContain('<meta property="og:title" content="&#34;&#62;&#60;script&#62;x&#60;/script&#62;">');
    expect(paint.head).not.toContain("og:image");
    expect(paint.head).toContain('<meta name="twitter:card" content="summary">');
    const withImage = firstPaint({ title: "t" }, "https://s.example/share/a", "https://s.example/share/a/og.png");
    expect(withImage.head).toContain('<meta property="og:image" content="https://s.example/share/a/og.png">');
    expect(withImage.head).toContain('<meta name="twitter:card" content="summary_large_image">');
  });

  it("turns previews off only when the operator sets SHARE_PREVIEWS to false", () => {
    expect(previewsOn({ SHARE_PREVIEWS: "false" })).toBe(false);
    expect(previewsOn({ SHARE_PREVIEWS: "true" })).toBe(true);
    expect(previewsOn({})).toBe(true);
  });
});

describe("preview image", () => {
  it("wraps a long title into at most three lines, marking the cut", () => {
    const lines = wrapText("one two three four five six seven eight nine ten eleven twelve", 10, 3);
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => line.length <= 10)).toBe(true);
    expect(lines[2]!.endsWith("…")).toBe(true);
    expect(wrapText("short", 10, 3)).toEqual(["short"]);
  });

  it("draws the title and facts as escaped SVG text at the card's size", () => {
    const svg = previewSvg({ title: "A & <b>", agent: "Codex CLI 0.171.0", bytes: 1_500_000 });
    expect(svg).toContain('width="1200" height="630"');
    expect(svg).toContain("A &#38; &#60;b&#62;");
    expect(svg).toContain("Codex CLI 0.171.0 · 1.5MB");
  });

  it("unwraps the bundled WOFF font into a TrueType font with every table", async () => {
    const require = createRequire(import.meta.url);
    const woff = readFileSync(require.resolve("@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff"));
    const sfnt = await sfntOfWoff(new Uint8Array(woff));
    const view = new DataView(sfnt.buffer);
    expect(view.getUint32(0)).toBe(0x00010000);
    const tables = view.getUint16(4);
    expect(tables).toBe(new DataView(woff.buffer, woff.byteOffset).getUint16(12));
    const tags = Array.from({ length: tables }, (_, i) =>
      String.fromCharCode(...sfnt.subarray(12 + i * 16, 16 + i * 16)),
    );
    expect(tags).toEqual(expect.arrayContaining(["cmap", "glyf", "head", "hmtx", "loca", "name"]));
  });
});

describe("preview image of any title", () => {
  const require = createRequire(import.meta.url);
  /** The renderer the worker uses (resvg's WebAssembly build), started once for these tests. */
  const resvg = async () => {
    const { initWasm, Resvg } = require("@resvg/resvg-wasm") as typeof import("@resvg/resvg-wasm");
    await initWasm(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm"))).catch((error: unknown) => {
      if (!String(error).includes("Already initialized")) throw error;
    });
    return (svg: string) => {
      const renderer = new Resvg(svg, { font: { loadSystemFonts: false } });
      try {
        return renderer.render().asPng();
      } finally {
        renderer.free();
      }
    };
  };

  it("draws a title pasted from a terminal (escape codes, NUL, a lone surrogate) as well-formed SVG", async () => {
    const draw = await resvg();
    const svg = previewSvg({ title: "a\u001b[31mred\u0000 done \uD800x", agent: "bell\u0007" });
    expect(svg).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(svg).toContain("a[31mred done x");
    expect(svg).toContain(">bell<");
    expect(draw(svg).byteLength).toBeGreaterThan(0);
  });

  it("keeps characters XML allows, surrogate pairs included", () => {
    expect(svgText("tab\there 😀 é")).toBe("tab\there 😀 é");
  });

  it("falls back to an image without facts when drawing them fails, and to null when nothing can be drawn", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const drawn: PreviewFacts[] = [];
    const failsOnFacts = async (facts: PreviewFacts) => {
      drawn.push(facts);
      if (facts.agent) throw new Error("non-XML character");
      return new Uint8Array([1]);
    };
    expect(await previewPng({ title: "t", agent: "x" }, failsOnFacts)).toEqual(new Uint8Array([1]));
    expect(drawn).toEqual([{ title: "t", agent: "x" }, { title: "Shared session" }]);
    const never = async () => {
      throw new Error("resvg did not start");
    };
    expect(await previewPng({ title: "t" }, never)).toBeNull();
    expect(logged).toHaveBeenCalledTimes(3);
    logged.mockRestore();
  });
});
