/**
 * Documentation that is generated from the code must match the code: each generated block of the
 * Markdown docs is re-rendered and compared (run `npm run docs` to refresh them).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generatedBlocks, replaceBlock } from "../scripts/doc-blocks.js";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("generated documentation is up to date", () => {
  for (const block of generatedBlocks()) {
    it(`${block.file} (${block.marker})`, () => {
      const text = readFileSync(root + block.file, "utf8");
      expect(replaceBlock(text, block.marker, block.content()), "stale: run `npm run docs`").toBe(text);
    });
  }

  it("the README starts with exactly the two set-up commands", () => {
    const readme = readFileSync(root + "README.md", "utf8");
    const firstBlock = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)![1]!.trim().split("\n");
    expect(firstBlock).toEqual(["npm install && npm start", "npm install && npm test"]);
    // .ci/run runs the README's test command.
    expect(readFileSync(root + ".ci/run", "utf8")).toMatch(/npm install && npm test/);
  });
});
