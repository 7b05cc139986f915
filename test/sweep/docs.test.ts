/** docs/sweeps.md embeds the generated spec and column tables: they must match the code. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runColumnsMarkdownTable, sweepSpecMarkdownTable, trajectoryColumnsMarkdownTable } from "../../src/sweep/reference.js";

const doc = readFileSync(new URL("../../docs/sweeps.md", import.meta.url), "utf8");
const between = (tag: string) => doc.slice(doc.indexOf("\n", doc.indexOf(`<!-- BEGIN ${tag}`)) + 1, doc.indexOf(`<!-- END ${tag}`)).trim();

describe("docs/sweeps.md", () => {
  it("has the spec field table of the schema", () => expect(between("sweep-spec")).toBe(sweepSpecMarkdownTable()));
  it("has the column table of the runs table", () => expect(between("runs-columns")).toBe(runColumnsMarkdownTable()));
  it("has the column table of the trajectories table", () => expect(between("trajectory-columns")).toBe(trajectoryColumnsMarkdownTable()));
});
