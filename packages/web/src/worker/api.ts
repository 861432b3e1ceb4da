/**
 * Every call of the page worker to the sessions worker over the `API` service binding goes through here, so that
 * each one carries the client's address (the API's limits are per address: without it every visitor would share
 * one bucket) and an unreachable API is a coded JSON 503, never an exception that reaches the visitor as a stack
 * trace.
 */
import { ERRORS, errorBody } from "@shareroom/shared";

/** `Retry-After` (s) of the 503 for an unreachable API: long enough for a restart or a redeploy. */
export const API_UNAVAILABLE_RETRY_AFTER_SECONDS = 10;

/** The header that names the client's address, set by Cloudflare on the request the page worker receives. */
const CLIENT_ADDRESS = "cf-connecting-ip";

/** `503 api_unavailable` with `Retry-After` {@link API_UNAVAILABLE_RETRY_AFTER_SECONDS}, as the API's error shape. */
export function apiUnavailable(): Response {
  return Response.json(errorBody("api_unavailable"), {
    status: ERRORS.api_unavailable.status,
    headers: {
      "retry-after": String(API_UNAVAILABLE_RETRY_AFTER_SECONDS),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "x-robots-tag": "noindex, nofollow",
    },
  });
}

/**
 * Sends `request` to the API as it is (a WebSocket upgrade included; the client's own headers, its address among
 * them, travel with it). Answers {@link apiUnavailable} when the binding throws (the API worker is down, being
 * deployed, or over its limits).
 */
export async function forwardToApi(env: Env, request: Request): Promise<Response> {
  try {
    return await env.API.fetch(request);
  } catch (error) {
    console.error(`API unreachable for ${request.method} ${new URL(request.url).pathname}:`, error);
    return apiUnavailable();
  }
}

/**
 * `GET <origin><path>` of the API on behalf of `client` (the request the page worker is answering): its address
 * is passed on, so the API counts the read against that visitor. Answers {@link apiUnavailable} when the binding
 * throws.
 */
export function getFromApi(env: Env, client: Request, path: string): Promise<Response> {
  const headers = new Headers();
  const address = client.headers.get(CLIENT_ADDRESS);
  if (address) headers.set(CLIENT_ADDRESS, address);
  return forwardToApi(env, new Request(new URL(path, client.url), { headers }));
}
