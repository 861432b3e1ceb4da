/** Secret redaction on ingest with secretlint's recommended rules. */
import { REDACTION_PATTERN, type SyncResponse } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import { CAPTURES, createShare, storedItems, sync } from "./helpers";

// Built at run time so no scanner mistakes this test file for a leak.
const openaiKey = `${["sk", "proj", "A1b2C3d4E5f6G7h8I9j0".repeat(3).slice(0, 58)].join("-")}T3BlbkFJ${"Zy9x".repeat(15).slice(0, 58)}`;
const awsKey = ["Zk3/9QxW7mN2pL5t", "R8vB1cY4hJ6gF0dS2aE7uI9o"].join("");
const githubToken = `ghp_${"A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"}`;
const privateKey = `-----BEGIN RSA PRIVATE KEY-----\n${"MIIEowIBAAKCAQEA".repeat(8)}\n-----END RSA PRIVATE KEY-----`;
const connection = "postgres://admin:s3cr3tPassw0rd@db.internal:5432/prod";

const tool = (id: string, output: string) => ({
  type: "part",
  data: {
    id,
    messageID: "msg_1",
    type: "tool",
    tool: "bash",
    callID: "c1",
    state: {
      status: "completed",
      input: { command: "env" },
      output,
      title: "env",
      metadata: {},
      time: { start: 1, end: 2 },
    },
  },
});

describe("secret redaction", () => {
  it("replaces API keys, tokens, private keys and connection strings in tool output and text, and says so", async () => {
    const share = await createShare();
    const output = `OPENAI_API_KEY=${openaiKey}\naws_secret_access_key = "${awsKey}"\nGITHUB_TOKEN=${githubToken}\nDATABASE_URL=${connection}\n${privateKey}\n`;
    const response = (await (
      await sync(share, [
        tool("prt_1", output),
        { type: "part", data: { id: "prt_2", messageID: "msg_1", type: "text", text: `use ${githubToken}` } },
      ])
    ).json()) as SyncResponse;
    expect(response.redacted).toBeGreaterThanOrEqual(5);
    const stored = JSON.stringify([...(await storedItems(share.id)).values()]);
    for (const secret of [openaiKey, awsKey, githubToken, "s3cr3tPassw0rd", "MIIEowIBAAKCAQEA"])
      expect(stored).not.toContain(secret);
    const markers = [...stored.matchAll(REDACTION_PATTERN)].map((match) => match[1]);
    expect(new Set(markers)).toEqual(new Set(["openai", "aws", "github", "database-connection-string", "privatekey"]));
    expect(stored).toContain("OPENAI_API_KEY=[redacted:openai]");
  });

  it("leaves real sessions without secrets untouched", async () => {
    const share = await createShare();
    let redacted = 0;
    for (const batch of CAPTURES[0]!.batches)
      redacted += ((await (await sync(share, batch)).json()) as SyncResponse).redacted;
    expect(redacted).toBe(0);
    expect((await storedItems(share.id)).size).toBe(CAPTURES[0]!.final.length);
  });

  it("gives an identical re-send of a redacted item no new seq", async () => {
    const share = await createShare();
    const first = (await (await sync(share, [tool("prt_1", `key ${githubToken}`)])).json()) as SyncResponse;
    const again = (await (await sync(share, [tool("prt_1", `key ${githubToken}`)])).json()) as SyncResponse;
    expect(again).toMatchObject({ seq: first.seq, accepted: 0, unchanged: 1 });
  });
});
