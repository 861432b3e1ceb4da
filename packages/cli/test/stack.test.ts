import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../../scripts/local-stack.mjs";
import { removeHomes, run, throwawayEnv } from "./cli.ts";
import { CANARY, pathOf, SESSIONS } from "./fixtures.ts";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack();
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  removeHomes();
});

describe("shareroom share against the real local stack", () => {
  it.each(SESSIONS.filter((session) => session.name.includes("subagent")))(
    "shares $name whole, resumes it, readable by `opencode import`'s GET, and unshare makes it 404",
    async (session) => {
      const env = throwawayEnv({ SHAREROOM_URL: stack.webOrigin });
      const shared = await run(["share", "--session", pathOf(session), "--once", "--json"], env);
      expect(shared.stderr).toBe("");
      expect(shared.code).toBe(0);
      const { id, url } = JSON.parse(shared.stdout.split("\n")[0]!);
      expect(url).toBe(`${stack.webOrigin}/share/${id}`);
      // Run again, it resumes from the saved state: an empty sync checks the share, nothing else is sent.
      const again = await run(["share", "--session", pathOf(session), "--once", "--json"], env);
      expect(again.stderr).toBe("");
      expect(JSON.parse(again.stdout.split("\n")[0]!)).toMatchObject({ id, resumed: true });

      const dry = await run(["share", "--session", pathOf(session), "--dry-run"], env);
      const expected = dry.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      const response = await fetch(`${stack.webOrigin}/api/share/${id}/data`);
      expect(response.status).toBe(200);
      const stored = (await response.json()) as unknown[];
      expect(stored).toHaveLength(expected.length);
      expect(JSON.stringify(stored)).not.toContain(CANARY);
      expect(stored).toEqual(expect.arrayContaining(expected.filter((item) => item.type !== "session")));

      expect((await run(["unshare", id], env)).code).toBe(0);
      expect((await fetch(`${stack.webOrigin}/api/share/${id}/data`)).status).toBe(404);
    },
    120_000,
  );
});
