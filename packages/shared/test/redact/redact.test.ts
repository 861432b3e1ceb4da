/** The shared redaction module in Node, as a client runs it before upload (the API worker runs the same code). */
import { describe, expect, it } from "vitest";
import { REDACTION_PATTERN } from "../../src/patterns.ts";
import { GITLEAKS_RULES } from "../../src/redact/gitleaks-rules.ts";
import { DEFAULT_REDACTION_BUDGET, redactItems, redactText } from "../../src/redact/index.ts";
import { secretlintFindings } from "../../src/redact/secretlint.ts";
import type { Finding } from "../../src/redact/types.ts";
import { chars, corpus, jwt, outcome, pem } from "./corpus.ts";

/** The one kind of the corpus no rule set finds: gitleaks' generic rule skips a secret holding a stopword ("admin"). */
const KNOWN_MISSES = new Set(["Anthropic admin key"]);

const markers = (text: string) => [...text.matchAll(REDACTION_PATTERN)].map((match) => match[1]);

const part = (output: string) => ({
  type: "part",
  data: {
    id: "prt_01",
    messageID: "msg_01",
    type: "tool",
    tool: "bash",
    state: { status: "completed", input: { command: "env" }, output },
  },
});

describe("the corpus of secrets in tool output", () => {
  const cases = corpus();

  it("holds at least 45 kinds of secrets", () => {
    expect(new Set(cases.map((entry) => entry.kind)).size).toBeGreaterThanOrEqual(45);
  });

  it("catches every kind whole but the known miss, and none only in part", async () => {
    const outcomes = new Map<string, string>();
    for (const entry of cases) {
      const { text, redacted } = await redactText(entry.text);
      outcomes.set(entry.kind, outcome(text, entry.secrets));
      if (outcome(text, entry.secrets) === "caught") expect(redacted, entry.kind).toBeGreaterThan(0);
    }
    const expected = new Map(cases.map((entry) => [entry.kind, KNOWN_MISSES.has(entry.kind) ? "missed" : "caught"]));
    expect(outcomes).toEqual(expected);
  });

  it("catches every kind inside a real tool part too, leaving the part's ids and kinds alone", async () => {
    const report = await redactItems(cases.map((entry) => part(entry.text)));
    report.items.forEach((item, index) => {
      const data = (item as ReturnType<typeof part>).data;
      expect(data).toMatchObject({ id: "prt_01", messageID: "msg_01", type: "tool", tool: "bash" });
      expect(data.state.status).toBe("completed");
      const entry = cases[index]!;
      expect(outcome(data.state.output, entry.secrets), entry.kind).toBe(
        KNOWN_MISSES.has(entry.kind) ? "missed" : "caught",
      );
    });
    expect(report.redacted).toBeGreaterThanOrEqual(cases.length - KNOWN_MISSES.size);
    expect(report.capped).toBe(0);
  });
});

describe("rule families", () => {
  it("compiles every gitleaks rule in this runtime", () => {
    expect(GITLEAKS_RULES.length).toBeGreaterThan(200);
    for (const rule of GITLEAKS_RULES) expect(() => new RegExp(rule.regex, "dg"), rule.id).not.toThrow();
  });

  it("runs secretlint's preset on what gitleaks' rules do not know", async () => {
    const anthropic = `sk-ant-api03-${chars("abcdefABCDEF0123456789_-", 93)}AA`;
    const { text } = await redactText(`claude config: ${anthropic} (from the keychain)`);
    expect(text).toBe("claude config: [redacted:anthropic] (from the keychain)");
  });

  it("keeps secretlint's own families: GitHub, OpenAI, AWS, private keys, connection strings", async () => {
    const found: Finding[] = [];
    const text = [
      `GITHUB_TOKEN=ghp_${chars("abcdefABCDEF0123456789", 36)}`,
      `OPENAI_API_KEY=sk-proj-${chars("abcdefABCDEF0123456789", 58)}T3BlbkFJ${chars("abcdef0123456789", 58)}`,
      `aws_secret_access_key = ${chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)}`,
      pem("RSA PRIVATE KEY", 8),
      `DATABASE_URL=postgres://app:${chars("abcdefghjk23456789", 14)}@db.internal:5432/prod`,
    ].join("\n");
    await secretlintFindings(text, found, 100);
    expect(found.map((finding) => finding.rule)).toEqual([
      "github",
      "openai",
      "aws",
      "privatekey",
      "database-connection-string",
    ]);
  });

  it("runs gitleaks' rules: token formats, keyword assignments and curl headers", async () => {
    const { text } = await redactText(
      [
        `key: AKIA${chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)}`,
        `TOKEN=dop_v1_${chars("0123456789abcdef", 64)}`,
        `MY_SERVICE_SECRET=${chars("abcdefghijkmnpqrstuvwxyzABCDEFGH23456789", 30)}`,
        `curl -H "X-Api-Key: ${chars("0123456789abcdef", 32)}" https://api.example.dev`,
      ].join("\n"),
    );
    expect(markers(text)).toEqual(["aws-access-token", "digitalocean-pat", "generic-api-key", "curl-auth-header"]);
  });

  it("finds passwords in URLs of any scheme, however short", async () => {
    for (const url of ["ftp://u:pw@h.io", "redis://:pw@cache:6379", "amqps://bot:s3@mq.internal/vhost"]) {
      const { text, redacted } = await redactText(url);
      expect(redacted, url).toBe(1);
      expect(text, url).toMatch(/^[a-z]+:\/\/[a-z]*:\[redacted:url-password\]@/);
    }
    expect((await redactText("see https://example.com/a:b@c and mailto:x@y.z")).redacted).toBe(0);
  });
});

describe("whole secrets", () => {
  it("leaves no tail of an AWS secret access key after its keyword", async () => {
    const secret = chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40);
    const { text } = await redactText(`aws_secret_access_key = ${secret}\nregion = eu-west-1`);
    expect(outcome(text, [secret])).toBe("caught");
    expect(text).toMatch(/\[redacted:[a-z0-9-]+\]\nregion = eu-west-1$/);
  });

  it("finds a PEM key whose BEGIN line is in one string and its body in the next", async () => {
    const key = pem("OPENSSH PRIVATE KEY", 5);
    const [begin, ...rest] = key.split("\n");
    const report = await redactItems([{ type: "part", data: { lines: [begin, rest.join("\n")] } }]);
    const lines = (report.items[0] as { data: { lines: string[] } }).data.lines;
    expect(report.redacted).toBe(1);
    expect(lines.join("\n")).not.toMatch(/[A-Za-z0-9+/]{16}/);
    expect(lines.every((line) => markers(line).length === 1)).toBe(true);
  });

  it("finds a JWT split between a header and a value string", async () => {
    const token = jwt();
    const report = await redactItems([{ headers: ["Authorization:", `Bearer ${token}`] }]);
    expect(JSON.stringify(report.items)).not.toContain(token.slice(-20));
    expect(report.redacted).toBe(1);
  });
});

describe("items", () => {
  it("returns unchanged items as they came and copies only the path to a replaced string", async () => {
    const clean = { type: "part", data: { text: "nothing to see" } };
    const meta = { big: "x".repeat(100) };
    const dirty = { type: "part", data: { text: `token ghp_${chars("abcdef0123456789", 36)}`, meta } };
    const input = structuredClone([clean, dirty]);
    const report = await redactItems([clean, dirty]);
    expect(report.items[0]).toBe(clean);
    expect(report.items[1]).not.toBe(dirty);
    expect((report.items[1] as typeof dirty).data.meta).toBe(meta);
    expect([clean, dirty]).toEqual(input);
  });

  it("keeps an own __proto__ key as a key", async () => {
    const item = JSON.parse(`{"__proto__": {"x": 1}, "text": "ghp_${chars("abcdef0123456789", 36)}"}`);
    const [out] = (await redactItems([item])).items as Record<string, unknown>[];
    expect(Object.keys(out!)).toEqual(["__proto__", "text"]);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it("marks every replacement with a marker the page recognizes", async () => {
    const { text } = await redactText(
      corpus()
        .map((entry) => entry.text)
        .join("\n\n"),
    );
    const names = markers(text);
    expect(names.length).toBeGreaterThan(40);
    expect(text.replace(REDACTION_PATTERN, "")).not.toContain("[redacted:");
  });
});

describe("budget", () => {
  const token = () => `ghp_${chars("abcdefABCDEF0123456789", 36)}`;

  it("documents its defaults", () => {
    expect(DEFAULT_REDACTION_BUDGET).toEqual({ maxFindings: 10_000, maxScannedBytes: 16 * 1024 * 1024 });
  });

  it("stops looking past maxFindings and redacts the rest of that item and the items after it wholesale", async () => {
    const tokens = Array.from({ length: 5 }, token);
    const report = await redactItems(
      [{ lines: ["head", ...tokens, "tail"] }, { text: `last ${token()}` }, { text: "clean" }],
      { maxFindings: 3 },
    );
    const first = (report.items[0] as { lines: string[] }).lines;
    expect(first.slice(0, 4)).toEqual(["head", ...Array(3).fill("[redacted:github-pat]")]);
    expect(first.slice(4)).toEqual(Array(3).fill("[redacted:over-limit]"));
    expect(report.items.slice(1)).toEqual([{ text: "[redacted:over-limit]" }, { text: "[redacted:over-limit]" }]);
    expect(report).toMatchObject({ redacted: 3, capped: 3 });
  });

  it("redacts wholesale what lies past maxScannedBytes, and counts it", async () => {
    const report = await redactItems([{ a: "x".repeat(50) }, { a: "y".repeat(40), b: "z".repeat(40) }, { a: "w" }], {
      maxScannedBytes: 100,
    });
    expect(report.items[0]).toEqual({ a: "x".repeat(50) });
    expect(report.items[1]).toEqual({ a: "y".repeat(40), b: "[redacted:over-limit]" });
    expect(report.items[2]).toEqual({ a: "[redacted:over-limit]" });
    expect(report.capped).toBe(2);
  });
});

describe("cost", () => {
  /** Median wall time of `runs` calls (ms). */
  async function time(run: () => Promise<unknown>, runs: number): Promise<number> {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await run();
      samples.push(performance.now() - start);
    }
    return samples.sort((a, b) => a - b)[runs >> 1]!;
  }

  it("grows linearly with the number of findings: 10 times the secrets, at most 12 times the time", async () => {
    const budget = { maxFindings: 1_000_000 };
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => `line ${i} GITHUB_TOKEN=ghp_${chars("abcdefABCDEF0123456789", 36)}`);
    const small = lines(2_000);
    const large = lines(20_000);
    await redactItems([small.join("\n")], budget);
    const smallMs = await time(() => redactItems([small.join("\n")], budget), 5);
    const largeMs = await time(() => redactItems([large.join("\n")], budget), 3);
    expect((await redactItems([large.join("\n")], budget)).redacted).toBe(20_000);
    expect(largeMs / smallMs).toBeLessThanOrEqual(12);
  }, 120_000);
});
