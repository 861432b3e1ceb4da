/**
 * The pre-filters that keep redaction cheap on text without secrets — secretlint only on items holding a trigger
 * word, gitleaks' rules tried only where a word their matches begin with occurs, one case-folding keyword pass —
 * skip only what provably holds nothing.
 */
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { describe, expect, it } from "vitest";
import { GITLEAKS_KEYWORDS, GITLEAKS_STARTS, gitleaksFindings } from "../../src/redact/gitleaks.ts";
import { redactItems } from "../../src/redact/index.ts";
import { KeywordSet } from "../../src/redact/keywords.ts";
import { SECRETLINT_TRIGGERS, secretlintFindings } from "../../src/redact/secretlint.ts";
import { literalStarts } from "../../src/redact/starts.ts";
import { findTriggers } from "../../src/redact/triggers.ts";
import type { Finding } from "../../src/redact/types.ts";
import { chars, corpus, pem } from "./corpus.ts";

/** Texts holding secrets of every family: the corpus, and samples of secretlint's own families. */
function samples(): string[] {
  return [
    ...corpus().map((entry) => entry.text),
    `GITHUB_TOKEN=ghp_${chars("abcdefABCDEF0123456789", 36)}`,
    `OPENAI_API_KEY=sk-proj-${chars("abcdefABCDEF0123456789", 58)}T3BlbkFJ${chars("abcdef0123456789", 58)}`,
    `aws_secret_access_key = ${chars("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)}`,
    pem("RSA PRIVATE KEY", 8),
    `DATABASE_URL=postgres://app:${chars("abcdefghjk23456789", 14)}@db.internal:5432/prod`,
    `mirror ftp://deploy:${chars("abcdefghjk23456789", 14)}@files.example.com/pub and https://ci:${chars("abcdefghjk23456789", 12)}@ci.example.dev/job`,
    `claude config: sk-ant-api03-${chars("abcdefABCDEF0123456789_-", 93)}AA (from the keychain)`,
  ];
}

describe("secretlint's trigger words", () => {
  it("every rule of secretlint's preset has its trigger words", () => {
    const ids = recommended.rules.map((rule) => rule.meta.id.replace("@secretlint/secretlint-rule-", ""));
    expect(Object.keys(SECRETLINT_TRIGGERS).sort()).toEqual(ids.sort());
  });

  it("every sample secretlint finds a secret in holds a trigger word of the rule that found it", async () => {
    let found = 0;
    const rules = new Set<string>();
    for (const text of samples()) {
      const findings: Finding[] = [];
      await secretlintFindings(text, findings, 1000);
      const triggers = findTriggers(text).secretlint;
      for (const finding of findings) {
        found++;
        rules.add(finding.rule);
        const words = SECRETLINT_TRIGGERS[finding.rule] ?? [];
        expect(
          words.some((word) => text.toLowerCase().includes(word)),
          `${finding.rule} in ${text.slice(0, 60)}`,
        ).toBe(true);
        // And the scan reports one there (its followers, where a word has one, accept it).
        expect(
          triggers.some((after) => after > finding.start && after <= finding.end),
          `${finding.rule} at ${finding.start} in ${text.slice(0, 60)}`,
        ).toBe(true);
      }
    }
    expect(found).toBeGreaterThan(20);
    expect(rules).toContain("basicauth");
  });

  it("counts a URL scheme only where credentials follow it, as basicauth's pattern needs", async () => {
    const links = "share: https://share.example.dev/share/abc, http://127.0.0.1:8787/x, ftp://files.example.com/pub";
    expect(findTriggers(links).secretlint).toEqual([]);
    const withCredentials = `${links} https://ci:${chars("abcdefghjk23456789", 12)}@ci.example.dev/job`;
    expect(findTriggers(withCredentials).secretlint).toEqual([withCredentials.lastIndexOf("https://") + 8]);
    const findings: Finding[] = [];
    await secretlintFindings(links, findings, 100);
    expect(findings).toEqual([]);
  });

  it("secretlint still sees an item holding a trigger word among items holding none", async () => {
    const key = `sk-ant-api03-${chars("abcdefABCDEF0123456789_-", 93)}AA`;
    const filler = { type: "part", data: { text: "plain words ".repeat(100) } };
    const report = await redactItems([filler, { type: "part", data: { text: `key ${key}` } }, filler]);
    expect(JSON.stringify(report.items)).not.toContain(key.slice(20));
    expect(report.items[0]).toBe(filler);
    expect(report.redacted).toBe(1);
  });

  it("maps what secretlint finds in a later item back to that item's offsets", async () => {
    const token = `glpat-${chars("abcdefABCDEF0123456789", 20)}`;
    const text = `first glpat-\n\nno trigger here\n\nlast ${token} end`;
    const findings: Finding[] = [];
    const second = text.indexOf("last");
    await secretlintFindings(text, findings, 100, [
      [0, 12],
      [second, text.length],
    ]);
    expect(findings.map(({ start, end }) => text.slice(start, end))).toEqual([token]);
  });
});

describe("gitleaks' rules tried only where their start words occur", () => {
  it("reads the words a regex's matches begin with, and gives up where it cannot tell", () => {
    expect(literalStarts("(?:[aA][pP][iI]|[kK][eE][yY])(?:[ \\t\\w.-]{0,20})=")).toEqual(["api", "key"]);
    expect(literalStarts("[pP][aA][sS][sS][wW](?:[oO][rR])?[dD]=")).toEqual(["password=", "passwd="]);
    expect(literalStarts("(?:https?://)?hooks.slack.com/")).toEqual(["https://hooks", "http://hooks", "hooks"]);
    expect(literalStarts("\\b(ey[a-zA-Z0-9]{17,}\\.ey)")).toEqual(["ey"]);
    expect(literalStarts("\\bA3-[A-Z0-9]{6}")).toEqual(["a3-"]);
    expect(literalStarts("(?:^|[\\\\'\"\\x60\\s>=:(,)])([a-zA-Z0-9_~.]{3}\\dQ~)")).toBeUndefined();
    expect(literalStarts("[A-Za-z0-9]{6}_mmk")).toBeUndefined();
    expect(literalStarts("a*b")).toBeUndefined();
    expect(literalStarts("(?:ab)+c")).toBeUndefined();
  });

  it("finds exactly what the rules find tried at every offset, on every sample and on prose", () => {
    const prose = "the access token key for the api, auth = secret; token: abc; passwd=hunter2 glob lob test_ ".repeat(
      40,
    );
    const text = [...samples(), prose].join("\n\n");
    const everywhere = Array.from({ length: text.length }, (_, offset) => offset);
    const present = new Uint8Array(GITLEAKS_KEYWORDS.length).fill(1);
    const tried: Finding[] = [];
    const reference: Finding[] = [];
    gitleaksFindings(text, present, findTriggers(text).starts, tried, 100_000);
    gitleaksFindings(
      text,
      present,
      GITLEAKS_STARTS.map(() => everywhere),
      reference,
      100_000,
    );
    expect(reference.length).toBeGreaterThan(40);
    expect(tried).toEqual(reference);
  });
});

describe("the keyword pass", () => {
  const words = ["key", "api", "-----begin", "sk"];
  const scan = (text: string) => {
    const found = new Uint8Array(words.length);
    const at: number[] = [];
    new KeywordSet(words, new Set([0, 1, 2, 3])).scan(text, found, at);
    return { found: [...found], at };
  };

  it("ignores case as toLowerCase does, the Kelvin sign and U+0130 included", () => {
    for (const text of [
      "KEY",
      "\u212Aey",
      "AP\u0130",
      "ap\u0130x",
      "-----BEGIN",
      "Sk",
      "s\u212A",
      "nothing",
      "k\u0130ey",
    ]) {
      const lower = text.toLowerCase();
      expect(scan(text).found, text).toEqual(words.map((word) => (lower.includes(word) ? 1 : 0)));
    }
  });

  it("reports where each located word ends, in order", () => {
    expect(scan("a KEY, an Api and sk").at).toEqual([5, 0, 13, 1, 20, 3]);
  });
});
