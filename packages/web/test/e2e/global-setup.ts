/**
 * Starts the local stack once for the page's tests: `wrangler dev` for the sessions worker, and the page as it
 * deploys — `vite build`, then `vite preview` (the built worker with its real headers and Content-Security-Policy,
 * the minified bundle the timing tests measure) — each with its own temporary state, finding each other through a
 * temporary dev registry (so a developer's running `npm run dev` is neither used nor disturbed). Ready when
 * `GET /api/health` answers 200 through the page origin, i.e. through the service binding.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { REPO, startLocalStack } from "../../../../scripts/local-stack.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** The page origin, e.g. `http://localhost:41234`; the API answers under `/api` on the same origin. */
    webOrigin: string;
    /** `fixtures/` at the repository root: recorded opencode CLI traffic. */
    fixturesDir: string;
    /** The sessions worker's admin token for this run (a fresh random one, passed with `--var`). */
    adminToken: string;
  }
}

/** The running stack: the page origin, the admin token, and how to stop it all. */
export interface Stack {
  webOrigin: string;
  adminToken: string;
  stop: () => Promise<void>;
}

/**
 * Builds the page and starts both workers (`scripts/local-stack.mjs`, page as `vite preview`), with an admin token
 * of this run's own so the admin tests need no secret from the developer's `.dev.vars`. Used by the tests' global
 * setup and by the screenshot script.
 */
export async function startStack(): Promise<Stack> {
  const adminToken = randomBytes(18).toString("base64url");
  const stack = await startLocalStack({ web: "preview", vars: { ADMIN_TOKEN: adminToken } });
  return { webOrigin: stack.webOrigin, adminToken, stop: stack.stop };
}

export default async function setup(project: TestProject) {
  const stack = await startStack();
  project.provide("webOrigin", stack.webOrigin);
  project.provide("adminToken", stack.adminToken);
  project.provide("fixturesDir", join(REPO, "fixtures"));
  return stack.stop;
}
