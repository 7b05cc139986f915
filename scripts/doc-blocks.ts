/**
 * The generated blocks of the documentation: each is delimited by `<!-- MARKER:start … -->` and
 * `<!-- MARKER:end -->` in a Markdown file and produced by a function of the code.
 */
import { runConfigMarkdownTable } from "../src/config/reference.js";

/** A generated block: file (relative to the repo root), marker name, content producer. */
export interface DocBlock {
  file: string;
  marker: string;
  content: () => string;
}

/** All generated blocks. */
export function generatedBlocks(): DocBlock[] {
  return [{ file: "docs/config.md", marker: "config-fields", content: runConfigMarkdownTable }];
}

/** Replace the text between the start and end markers (keeping the marker lines). */
export function replaceBlock(text: string, marker: string, content: string): string {
  const start = new RegExp(`(<!-- ${marker}:start[^>]*-->\\n)[\\s\\S]*?(<!-- ${marker}:end -->)`);
  if (!start.test(text)) throw new Error(`marker ${marker} not found`);
  return text.replace(start, (_m, a: string, b: string) => `${a}${content}\n${b}`);
}
