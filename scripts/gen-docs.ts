/**
 * Regenerates the generated parts of the documentation from the code (`npm run docs`, which builds
 * dist/ first for the CLI examples): the config field table in docs/config.md and the worked examples
 * of docs/theory.md. test/docs.test.ts and test/theory/doc.test.ts fail when they are stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generatedBlocks, replaceBlock } from "./doc-blocks.js";
import { refreshTheoryDoc } from "./theory-doc.js";

const root = fileURLToPath(new URL("..", import.meta.url));
for (const block of generatedBlocks()) {
  const path = root + block.file;
  const text = readFileSync(path, "utf8");
  const updated = replaceBlock(text, block.marker, block.content());
  if (updated !== text) {
    writeFileSync(path, updated);
    console.log(`updated ${block.file} (${block.marker})`);
  }
}
if (await refreshTheoryDoc()) console.log("updated docs/theory.md (worked examples)");
