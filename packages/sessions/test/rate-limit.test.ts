/** Rate limits through the real `ratelimits` binding (its own file: limiter state is per test file). */
import type { ErrorBody } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { call, createShare } from "./helpers";

describe("rate limits", () => {
  it("answers share creation past the per-IP limit with 429 rate_limited and Retry-After", async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const response = await call(
        "POST",
        "/api/share",
        { sessionID: `ses_${i}` },
        { "cf-connecting-ip": "203.0.113.7" },
      );
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(limited?.headers.get("retry-after")).toBe("60");
    expect(((await limited!.json()) as ErrorBody).error.code).toBe("rate_limited");
    const otherClient = await call(
      "POST",
      "/api/share",
      { sessionID: "ses_other" },
      { "cf-connecting-ip": "203.0.113.8" },
    );
    expect(otherClient.status).toBe(200);
  });

  it("answers reads past the per-IP limit with 429, other clients unaffected", async () => {
    const share = await createShare();
    let limited: Response | undefined;
    let count = 0;
    while (!limited && count < 700) {
      const response = await call("GET", `/api/share/${share.id}`, undefined, { "cf-connecting-ip": "203.0.113.9" });
      count++;
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
    }
    expect(count).toBe(601);
    expect(limited!.headers.get("retry-after")).toBe("60");
    const other = await call("GET", `/api/share/${share.id}`, undefined, { "cf-connecting-ip": "203.0.113.10" });
    expect(other.status).toBe(200);
  });
});
