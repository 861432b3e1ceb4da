/**
 * How every test, screenshot and benchmark starts Chromium: Debian's (or `CHROMIUM_PATH`), never a downloaded
 * browser, headless, with no network traffic of its own (the machines reach no host but the package registries).
 */
import { chromium } from "playwright-core";

/** Chromium's executable: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/** The flags: headless, no sandbox (CI runs as root), no background connections or updates. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches Chromium with {@link CHROMIUM_PATH} and {@link CHROMIUM_ARGS}; resolves to a playwright `Browser`. */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
