/**
 * The SVG of a share's preview image (1200×630, the size Open Graph and Twitter cards show): the brand, the title
 * and the facts line. Pure, so it is tested without the renderer (og.ts).
 */
import type { PreviewFacts } from "./first-paint";
import { escapeHtml, factsLine } from "./first-paint";

/** Width and height (px) of the preview image. */
export const PREVIEW_WIDTH = 1200;
export const PREVIEW_HEIGHT = 630;

/** Average advance of DejaVu Sans (em): enough to wrap the title without measuring glyphs. */
const AVERAGE_ADVANCE_EM = 0.58;

/** Cuts `text` into at most `maxLines` lines of about `perLine` characters at spaces; an ellipsis marks a cut. */
export function wrapText(text: string, perLine: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= perLine) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word.length > perLine ? `${word.slice(0, perLine - 1)}…` : word;
    if (lines.length === maxLines) break;
  }
  if (line && lines.length < maxLines) lines.push(line);
  if (lines.length === maxLines && lines.join(" ").length < text.trim().replace(/\s+/g, " ").length) {
    const last = lines[maxLines - 1]!;
    lines[maxLines - 1] =
      `${last.slice(0, Math.max(0, perLine - 1)).replace(/\s+\S*$/, "") || last.slice(0, perLine - 1)}…`;
  }
  return lines;
}

/**
 * Characters XML 1.0 does not allow in a document (https://www.w3.org/TR/xml/#charsets): C0 controls other than tab,
 * newline and carriage return, U+FFFE, U+FFFF, and UTF-16 surrogates without their pair. A title is a pasted line of
 * anything (a terminal's colour codes: `\u001b[31m`); resvg refuses the whole image for one of them.
 */
const NON_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` as SVG character data: the characters XML does not allow dropped, markup escaped. */
export function svgText(text: string): string {
  return escapeHtml(text.replace(NON_XML, ""));
}

/**
 * The preview's SVG: the brand, the title (up to three lines) and the facts line, as a well-formed XML document
 * whatever the title holds ({@link svgText}).
 */
export function previewSvg(facts: PreviewFacts): string {
  const titleSize = 64;
  const perLine = Math.floor((PREVIEW_WIDTH - 160) / (titleSize * AVERAGE_ADVANCE_EM));
  const title = wrapText(facts.title, perLine, 3)
    .map((line, i) => `<tspan x="80" dy="${i === 0 ? 0 : titleSize * 1.2}">${svgText(line)}</tspan>`)
    .join("");
  const line = wrapText(factsLine(facts), 60, 1)[0] ?? "";
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PREVIEW_WIDTH}" height="${PREVIEW_HEIGHT}" viewBox="0 0 ${PREVIEW_WIDTH} ${PREVIEW_HEIGHT}">` +
    `<rect width="100%" height="100%" fill="#fbfbfa"/>` +
    `<rect x="0" y="0" width="16" height="100%" fill="#2f6f5e"/>` +
    `<text x="80" y="110" font-family="DejaVu Sans" font-size="34" fill="#2f6f5e">shareroom</text>` +
    `<text x="80" y="250" font-family="DejaVu Sans" font-size="${titleSize}" fill="#1d1f21">${title}</text>` +
    `<text x="80" y="560" font-family="DejaVu Sans" font-size="32" fill="#5f646b">${svgText(line)}</text>` +
    "</svg>"
  );
}
