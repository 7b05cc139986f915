/**
 * The portable core (engine, theory, config, data, sweep, the experiment kinds) must run unchanged in Node, worker threads and
 * browsers: no Node built-ins and no Node globals. tsconfig.engine.json type-checks it without Node
 * typings; this test catches imports that type-check anyway (e.g. through `any`).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
// Folders, and the library entry with its one-call `run` (which pulls in src/experiments minus figures and report).
const PORTABLE = ["src/engine", "src/theory", "src/config", "src/data", "src/sweep", "src/experiments", "src/run.ts", "src/index.ts", "src/version.ts"];
/** Node-side parts of the portable folders: the experiments' figures (a DOM shim for Observable Plot) and the report writer. */
const EXCLUDED = [/\/src\/experiments\/figures\//, /\/src\/experiments\/kinds\/[^/]+\/figures\.ts$/, /\/src\/experiments\/report\.ts$/];
const NODE_BUILTINS = /from\s+["'](node:[^"']+|fs|path|os|child_process|worker_threads|url|util|crypto|stream|buffer|process)["']/;
const NODE_GLOBALS = /\b(process\.|Buffer\.|require\(|__dirname|__filename)/;

function files(dir: string): string[] {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("portable core", () => {
  for (const dir of PORTABLE) {
    it(`${dir} uses no Node built-ins or globals`, () => {
      for (const file of files(join(root, dir)).filter((f) => !EXCLUDED.some((x) => x.test(f)))) {
        const text = readFileSync(file, "utf8");
        expect(text, file).not.toMatch(NODE_BUILTINS);
        expect(text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ""), file).not.toMatch(NODE_GLOBALS);
      }
    });
  }
});
