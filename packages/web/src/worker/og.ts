/**
 * The share's preview image (`/share/:id/og.png`, 1200×630 PNG): {@link previewSvg} rendered in the worker by resvg
 * (WebAssembly) with a font bundled from npm. Nothing is fetched and nothing leaves the worker.
 */
import dejavuSans from "@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff?inline-base64";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";
import type { PreviewFacts } from "./first-paint";
import { previewSvg } from "./preview-svg";
import { sfntOfWoff } from "./woff";

let ready: Promise<Uint8Array> | undefined;

/** Starts resvg and decodes the font, once per isolate. */
function prepare(): Promise<Uint8Array> {
  ready ??= (async () => {
    await initWasm(resvgWasm);
    return sfntOfWoff(Uint8Array.from(atob(dejavuSans), (char) => char.charCodeAt(0)));
  })();
  // A failed start is tried again by the next request, not remembered.
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}

/** The preview image of a share with `facts`, as PNG bytes. Throws when resvg cannot start. */
export async function renderPreview(facts: PreviewFacts): Promise<Uint8Array> {
  const font = await prepare();
  const resvg = new Resvg(previewSvg(facts), {
    font: { fontBuffers: [font], loadSystemFonts: false, defaultFontFamily: "DejaVu Sans" },
  });
  try {
    const image = resvg.render();
    const png = image.asPng();
    image.free();
    return png;
  } finally {
    resvg.free();
  }
}
