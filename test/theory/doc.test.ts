/**
 * @file docs/theory.md shows only numbers the code produces: re-rendering its generated blocks
 * (scripts/theory-doc.ts; CLI blocks through the built binary) must reproduce the page exactly.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOC_PATH, EXAMPLES, renderDoc } from "../../scripts/theory-doc.js";
import * as theory from "../../src/theory/index.js";
import { runCli } from "../helpers/cli.js";

describe("docs/theory.md", () => {
  it("is up to date with the code (run `npm run docs` to refresh)", async () => {
    const doc = readFileSync(DOC_PATH, "utf8");
    const rendered = await renderDoc(doc, async (args) => {
      const r = await runCli(args);
      if (r.code !== 0) throw new Error(`dlnlab ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
      return r.stdout;
    });
    // Compare block by block so a failure names the stale example.
    const blocks = (text: string) => text.split(/(?=<!-- (?:example|cli|table): )/);
    const want = blocks(rendered);
    const have = blocks(doc);
    expect(have.length).toBe(want.length);
    have.forEach((block, i) => expect(block, `block ${i}: ${block.split("\n")[0]}`).toBe(want[i]));
  });

  it("has a worked example for every exported function", () => {
    const doc = readFileSync(DOC_PATH, "utf8");
    const called = new Set([...doc.matchAll(/<!-- example: (\w+) -->/g)].map((m) => EXAMPLES[m[1]!]!.split("(")[0]));
    const functions = Object.entries(theory).filter(([, v]) => typeof v === "function").map(([k]) => k);
    for (const fn of functions) expect(called.has(fn), `example for ${fn}`).toBe(true);
  });
});
