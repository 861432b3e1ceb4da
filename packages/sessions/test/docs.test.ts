/** docs/api.md stays true: it lists exactly the routes the router serves and the codes of the error table. */
import { ERRORS, ITEM_REFUSAL_CODES } from "@shareroom/shared";
import { describe, expect, it } from "vitest";
import api from "../../../docs/api.md?raw";
import app from "../src/index";

/** A route as `METHOD /path`, parameters written `:param` whatever their name or pattern. */
function normalize(method: string, path: string): string {
  return `${method} ${path.replace(/:[A-Za-z_]+(\{.*?\})?(?=\/|$)/g, ":param").replace(/\/$/, "") || "/"}`;
}

/** The section of api.md under `## title`, up to the next `## `. */
function section(title: string): string {
  const start = api.indexOf(`\n## ${title}\n`);
  expect(start, `api.md has a "## ${title}" section`).toBeGreaterThan(0);
  const end = api.indexOf("\n## ", start + 1);
  return api.slice(start, end < 0 ? undefined : end);
}

/** First-column cells of the tables in `text`, without their backticks. */
function firstCells(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => /^\| `/.test(line))
    .map((line) => line.split("|")[1]!.trim().replaceAll("`", ""));
}

describe("docs/api.md", () => {
  it("lists every route the router serves, and no other", () => {
    const served = new Set(
      app.routes
        // Middleware (`use`, `all`, `/*` prefixes) is not a route of its own.
        .filter((route) => route.method !== "ALL" && !route.path.endsWith("*"))
        .map((route) => normalize(route.method, route.path)),
    );
    const documented = new Set(
      firstCells(section("Routes")).map((cell) => {
        const [method, path] = cell.split(" ");
        return normalize(method!, path!.split("?")[0]!);
      }),
    );
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it("lists every error code with its status, and no other", () => {
    const rows = section("Error codes")
      .split("\n")
      .filter((line) => /^\| `/.test(line))
      .map((line) => line.split("|").map((cell) => cell.trim().replaceAll("`", "")));
    const documented = Object.fromEntries(rows.map((cells) => [cells[1], Number(cells[2])]));
    const table = Object.fromEntries(Object.entries(ERRORS).map(([code, { status }]) => [code, status]));
    expect(documented).toEqual(table);
    for (const code of ITEM_REFUSAL_CODES) expect(section("Error codes")).toContain(`\`${code}\``);
  });
});
