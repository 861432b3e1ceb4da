/**
 * The PNG of a share's preview, drawn so that a title the renderer refuses never costs the image: the renderer is
 * passed in (og.ts's `renderPreview` in the worker), so this is tested without it.
 */
import type { PreviewFacts } from "./first-paint";

/** Renders the preview image of a share with `facts` as PNG bytes (og.ts's `renderPreview`); may throw. */
export type RenderPreview = (facts: PreviewFacts) => Promise<Uint8Array>;

/** The facts of a share whose own could not be read or drawn. */
export const NO_FACTS: PreviewFacts = { title: "Shared session" };

/**
 * The PNG of a preview with `facts`, drawn by `render`. Should drawing them fail (a title resvg refuses, whatever
 * the cause), the image is drawn again without them; should that fail too (resvg cannot start), `null`. Failures are
 * logged, never thrown.
 */
export async function previewPng(facts: PreviewFacts, render: RenderPreview): Promise<Uint8Array | null> {
  try {
    return await render(facts);
  } catch (error) {
    console.error("preview image: drawing the share's facts failed", error);
  }
  try {
    return await render(NO_FACTS);
  } catch (error) {
    console.error("preview image: drawing an image without facts failed", error);
    return null;
  }
}
