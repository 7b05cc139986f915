/**
 * Documentation that is generated from the code must match the code: each generated block of the
 * Markdown docs is re-rendered and compared (run `npm run docs` to refresh them). And the repository is
 * self-contained: nothing points outside it, and every "docs/theory.md §n" citation names a section of
 * docs/theory.md.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generatedBlocks, replaceBlock } from "../scripts/doc-blocks.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Folders that hold build output, dependencies or results, never sources (as in .gitignore). */
const SKIP_DIRS = new Set([".git", "node_modules", "dist", "dist-lab", "build", "results"]);

/** Every file of the repository (tracked or new, not ignored), relative to the root. */
function repoFiles(): string[] {
  const git = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
  if (git.status === 0) return git.stdout.split("\0").filter((f) => f !== "");
  // Not a git checkout (e.g. an unpacked tarball): walk the tree instead.
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(root + dir, { withFileTypes: true })) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(`${dir}${e.name}/`);
      } else if (e.isFile()) out.push(dir + e.name);
    }
  };
  walk("");
  return out;
}

/** The text files of the repository with their contents (files with a NUL byte are binary and skipped). */
function textFiles(): { file: string; text: string }[] {
  return repoFiles().flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(root + file, "utf8");
    } catch {
      return []; // deleted in the working tree but still in the index
    }
    return text.includes("\0") ? [] : [{ file, text }];
  });
}

/** Section numbers of docs/theory.md: "n" for `## n. Title`, "n.m" for `### n.m Title`. */
function theorySections(): string[] {
  const doc = readFileSync(root + "docs/theory.md", "utf8");
  return [...doc.matchAll(/^##(#?) (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[2]!);
}

/** One citation: `docs/theory.md §4`, `§3–§6`, `§4, §6`, `§9 and §10`, `§4.5`; its section numbers and ranges. */
const CITATION = /docs\/theory\.md`?(?:'s)? ?(§\d+(?:\.\d+)?(?:(?:–|-|, | and | or )§\d+(?:\.\d+)?)*)/g;

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

describe("the repository is self-contained", () => {
  // The specification outside the repository, the shared folder beside it, absolute paths of the machine it
  // was written on. Built from pieces so that this file does not match itself.
  const outside = [new RegExp(["THEORY", "\\\\?\\.md"].join("")), new RegExp(["\\.\\.", "shared"].join("/")), new RegExp(["", "work", ""].join("/"))];

  it("no file points outside the repository (the specification is docs/theory.md)", () => {
    const hits: string[] = [];
    for (const { file, text } of textFiles()) {
      text.split("\n").forEach((line, i) => {
        if (outside.some((re) => re.test(line))) hits.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(hits, "points outside the repository (cite docs/theory.md §n)").toEqual([]);
  });

  it("docs/theory.md has the top-level sections §1–§11 the code cites, in order", () => {
    const top = theorySections().filter((s) => !s.includes("."));
    expect(top).toEqual(Array.from({ length: 11 }, (_, i) => String(i + 1)));
  });

  it("every docs/theory.md §n citation names a section that exists", () => {
    const sections = new Set(theorySections());
    const bad: string[] = [];
    let count = 0;
    for (const { file, text } of textFiles()) {
      for (const m of text.matchAll(CITATION)) {
        count++;
        const cited = [...m[1]!.matchAll(/§(\d+(?:\.\d+)?)/g)].map((n) => n[1]!);
        const missing = cited.filter((n) => !sections.has(n));
        // A range "§a–§b" must run forward.
        const ranges = [...m[1]!.matchAll(/§(\d+)(?:\.\d+)?[–-]§(\d+)/g)].filter((r) => Number(r[1]) >= Number(r[2]));
        if (missing.length > 0 || ranges.length > 0) {
          const line = text.slice(0, m.index).split("\n").length;
          bad.push(`${file}:${line}: "${m[0]}"${missing.length ? ` (no section ${missing.map((n) => `§${n}`).join(", ")})` : " (backward range)"}`);
        }
      }
    }
    expect(bad).toEqual([]);
    // The scan must have seen the citations (hundreds of them in src/, lab/, test/ and the docs).
    expect(count).toBeGreaterThan(100);
  });
});
