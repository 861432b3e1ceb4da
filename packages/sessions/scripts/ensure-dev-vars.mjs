// Creates `.dev.vars` from `.dev.vars.example` with a random ADMIN_TOKEN, once, so `npm run dev` needs no setup.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const target = new URL("../.dev.vars", import.meta.url);
if (!existsSync(target)) {
  const example = readFileSync(new URL("../.dev.vars.example", import.meta.url), "utf8");
  const token = randomBytes(24).toString("base64url");
  writeFileSync(target, example.replace(/^ADMIN_TOKEN=.*$/m, `ADMIN_TOKEN=${token}`), { mode: 0o600 });
  console.log(`Created packages/sessions/.dev.vars with a random ADMIN_TOKEN (for /admin and /api/sessions).`);
}
