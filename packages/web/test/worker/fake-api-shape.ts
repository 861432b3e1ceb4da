/** What the fake API (fake-api.ts, run in Node) and the tests of the page worker (run in workerd) both know. */

/** Reads the fake allows per client address before answering 429, like the real API's per-address read limit. */
export const FAKE_READS_PER_ADDRESS = 5;

/** One request as the fake API saw it: its path and the client address it carried (`null`: none). */
export interface SeenRequest {
  path: string;
  address: string | null;
}
