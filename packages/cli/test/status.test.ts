import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { StatusLine } from "../src/status.ts";

/** A terminal stand-in: what was written to it, without colours. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  let text = "";
  stream.on("data", (chunk) => {
    text += chunk;
  });
  return { stream, text: () => text.replace(/\x1b\[[0-9;]*[mK]/g, "") };
}

it("shows the items synced and, once the server refused some, how many and with which codes", () => {
  const { stream, text } = terminal();
  const status = new StatusLine(stream, "https://share.example.com/share/abc");
  status.show("live", 12, {});
  expect(text()).toContain("live     https://share.example.com/share/abc  12 items synced");
  expect(text()).not.toContain("refused");
  status.show("live", 12, { payload_too_large: 1, item_too_large: 2 });
  expect(text()).toMatch(/12 items synced {2}3 refused \(payload_too_large, item_too_large\)$/);
});
