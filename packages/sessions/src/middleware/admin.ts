/** Operator authentication: `Authorization: Bearer <ADMIN_TOKEN>`, the token held as a Worker secret. */
import type { MiddlewareHandler } from "hono";
import { constantTimeEqual } from "../secrets";
import { ApiError } from "./errors";

/**
 * Lets a request through only with the admin token, compared in constant time.
 * Errors: `unauthorized` (401) when the header is missing or wrong, or no token is configured.
 */
export const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const token = c.env.ADMIN_TOKEN;
  const given = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1] ?? "";
  if (!token) throw new ApiError("unauthorized", "No admin token is configured on this server.");
  if (!constantTimeEqual(given, token)) throw new ApiError("unauthorized");
  await next();
};
