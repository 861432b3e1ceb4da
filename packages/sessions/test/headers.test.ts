/** Headers every API response carries: successes, errors and unknown paths alike. */
import { describe, expect, it } from "vitest";
import { call, createShare } from "./helpers";
import { connect } from "./viewer";

describe("API response headers", () => {
  it("marks every answer nosniff and noindex, whatever route or error produced it", async () => {
    const share = await createShare();
    const responses = [
      await call("GET", "/api/health"),
      await call("GET", `/api/share/${share.id}`),
      await call("GET", `/api/share/${share.id}/snapshot`),
      await call("GET", "/api/share/AAAAAAAAAAAAAAAAAAAAAA/data"),
      await call("POST", `/api/share/${share.id}/sync`, "{"),
      await call("GET", "/nothing-here"),
      await call("GET", "/share_data?id=AAAAAAAAAAAAAAAAAAAAAA"),
    ];
    for (const response of responses) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-robots-tag")).toBe("noindex, nofollow");
      await response.body?.cancel();
    }
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 404, 400, 404, 404]);
  });

  it("passes a WebSocket upgrade on untouched", async () => {
    const share = await createShare();
    const viewer = await connect(share.id);
    expect((await viewer.next()).type).toBe("ready");
  });
});
