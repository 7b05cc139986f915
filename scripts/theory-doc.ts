/**
 * @file Regenerates the worked examples of docs/theory.md from the code, so the page never shows
 * numbers the library does not produce. Blocks between `<!-- example: NAME -->` and
 * `<!-- /example -->` get the call EXAMPLES[NAME] and its result; `<!-- cli: ARGS -->` blocks get
 * `dlnlab theory ARGS --json` and its output; `<!-- table: cL -->` gets the c_L table.
 * Numbers are rounded to 10 significant digits so the page is stable across platforms.
 *
 * `npm run docs` (scripts/gen-docs.ts) rewrites the page; test/theory/doc.test.ts fails when it is stale.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as theory from "../src/theory/index.js";

/** The page this script maintains. */
export const DOC_PATH = fileURLToPath(new URL("../docs/theory.md", import.meta.url));

/** One worked example per exported function: the call, written with the library's names. */
export const EXAMPLES: Record<string, string> = {
  pathwaySharpness: "pathwaySharpness(4, 0.25)",
  marginalSharpness: "marginalSharpness(4, 0.25)",
  modeSharpness: "modeSharpness([4, 4], [0.7, 0.3])",
  sharpness: "sharpness([4, 4], [[0.7, 0.2], [0.3, 0.1]])",
  singlePathSharpness: "singlePathSharpness(4, 1)",
  balancedSharpness: "balancedSharpness(4, 1, 2)",
  reductionFactor: "reductionFactor(20, 2)",
  singlePathSharpnesses: "singlePathSharpnesses([3, 5, 7], 1)",
  optimalAllocation: "optimalAllocation([3, 5, 7], 1)",
  optimalAllocationCorner: "optimalAllocation([2, 4, 6], 1)",
  allocationSharpness: "allocationSharpness([4, 4, 4], 1)",
  kktResidual: "kktResidual([3, 5, 7], 1, [0.6, 0.25, 0.15], 3.4)",
  stabilityThreshold: "stabilityThreshold(4)",
  stabilityWindow: "stabilityWindow([4, 4], 1)",
  stabilityWindowHetero: "stabilityWindow([3, 5, 7], 1)",
  rebalancedRank: "rebalancedRank([4, 4, 4], [1, 0.85, 0.5], 0.75)",
  chainStep: "chainStep(0.5, 4, 1, 0.1)",
  chainMap: "chainMap(0.5, 2, 3)",
  worstOvershoot: "worstOvershoot(4, 3)",
  wcrConstant: "wcrConstant(2)",
  wcrStep: "wcrStep(4, 1)",
  leafCoordinate: "leafCoordinate(4, 0.2)",
  shareFromLeaf: "shareFromLeaf(4, 12.5)",
  initialLeaf: "initialLeaf([4, 4], [0.0016, 0.00130321])",
  centredLeaf: "centredLeaf([12.5, 13.850415512465373])",
  zeroLossOnLeaf: "zeroLossOnLeaf([4, 4, 4], 1, [0, 0.5, 1])",
  gradientFlowEndpoint: "gradientFlowEndpoint([4, 4], 1, [0.0016, 0.00130321])",
  defaultInitScales: "defaultInitScales(3)",
  leafDriftRate: "leafDriftRate([4, 4], [0.81, 0.19])",
  stoppingBoundary: "stoppingBoundary([4, 4], 1, 0.625, { initScales: [0.0016, 0.00130321] })",
  stoppingBoundaryCentral: "stoppingBoundary([4, 4, 4], 1, 0.7, { initScales: [0.0016, 0.00130321, 0.00104976] }).s",
  stoppingBoundaryRay:
    "stoppingBoundary([4, 4, 4], 1, 0.7, { initScales: [0.0016, 0.00130321, 0.00104976], approximation: 'leaf-ray' }).s",
  centralFlowPrediction: "centralFlowPrediction([4, 4], 1, 0.625, { initScales: [0.0016, 0.00130321] }).s",
  centralFlowTiming:
    "(({ entryStep, duration, t10, t90, exitStep }) => ({ entryStep, duration, t10, t90, exitStep }))(centralFlowPrediction([4, 4], 1, 0.625, { initScales: [0.0016, 0.00130321] }))",
  stoppingBoundaryDrift:
    "stoppingBoundary([4, 4, 4], 1, 0.7, { initScales: [0.0016, 0.00130321, 0.00104976], approximation: 'drift-flow' }).s",
  riskDecaySlope: "riskDecaySlope(5, 3)",
  riskDecaySlopeLate: "riskDecaySlope(50, 3)",
  chainEscapeTime: "chainEscapeTime({ depth: 6, small: 4, epsilon: 0.01, sigma: 1, fraction: 0.5 })",
  leadingEscapeTime: "leadingEscapeTime({ depth: 6, small: 4, epsilon: 0.01, sigma: 1, fraction: 0.5 })",
  logEscapeSlope: "logEscapeSlope({ depth: 6, sigma: 1 })",
  activationClass: "activationClass('gelu')",
  brentRoot: "brentRoot((x) => x * x - 2, 0, 2)",
  walkUntil: "walkUntil(1, (x) => 2 * x, (x) => x > 10)",
};

/** Evaluate a call written with the library's exported names (the theory namespace is in scope). */
export function evaluate(call: string): unknown {
  const names = Object.keys(theory);
  const values = names.map((n) => (theory as Record<string, unknown>)[n]);
  return new Function(...names, `"use strict"; return (${call});`)(...values) as unknown;
}

/** x rounded to 10 significant digits (stable across platforms); non-finite numbers as text. */
function round(x: number): number | string {
  if (!Number.isFinite(x)) return String(x);
  return x === 0 ? 0 : Number(x.toPrecision(10));
}

/** JSON of a value with rounded numbers and a space after each comma and colon (no strings here contain either). */
function json(value: unknown): string {
  const text = JSON.stringify(value, (_k: string, v: unknown) => (typeof v === "number" ? round(v) : v));
  return text.replace(/,/g, ", ").replace(/":/g, '": ');
}

/** A result as compact JSON (rounded numbers), one key per line when it does not fit on one line. */
export function formatResult(value: unknown): string {
  const compact = json(value);
  if (compact.length <= 88 || value === null || typeof value !== "object" || Array.isArray(value)) return compact;
  const lines = Object.entries(value as Record<string, unknown>).map(([k, v]) => `  ${JSON.stringify(k)}: ${json(v)}`);
  return `{\n${lines.join(",\n")}\n}`;
}

/** Markdown table of c_L and the ratio to the classical bound h = 2. */
function cLTable(): string {
  const rows = [1, 2, 3, 4, 5, 10, 20, 100, 1000, 10000].map((L) => {
    const c = theory.wcrConstant(L);
    return `| ${L} | ${round(c)} | ${round(c / 2)} |`;
  });
  return ["| L | c_L | c_L / 2 |", "|---|---|---|", ...rows].join("\n");
}

/** Runs `dlnlab theory ARGS --json` and returns its stdout. */
export type CliRunner = (args: string[]) => Promise<string>;

/** The page with every generated block rewritten (CLI blocks only when a runner is given). */
export async function renderDoc(text: string, runCli?: CliRunner): Promise<string> {
  let out = text.replace(/<!-- example: (\w+) -->\n[\s\S]*?<!-- \/example -->/g, (_m, name: string) => {
    const call = EXAMPLES[name];
    if (call === undefined) throw new Error(`docs/theory.md: unknown example "${name}"`);
    const result = formatResult(evaluate(call));
    const shown = result.includes("\n") ? `// →\n${result.replace(/^/gm, "// ")}` : `// → ${result}`;
    return `<!-- example: ${name} -->\n\`\`\`ts\n${call}\n${shown}\n\`\`\`\n<!-- /example -->`;
  });
  out = out.replace(/<!-- table: cL -->\n[\s\S]*?<!-- \/table -->/g, () => `<!-- table: cL -->\n${cLTable()}\n<!-- /table -->`);
  if (runCli) {
    const blocks = [...out.matchAll(/<!-- cli: ([^>]+?) -->\n[\s\S]*?<!-- \/cli -->/g)];
    const rendered = await Promise.all(
      blocks.map(async (m) => {
        const args = m[1]!.split(" ");
        const json = JSON.parse(await runCli(["theory", ...args, "--json"])) as unknown;
        return `<!-- cli: ${m[1]} -->\n\`\`\`console\n$ dlnlab theory ${m[1]} --json\n${formatResult(json)}\n\`\`\`\n<!-- /cli -->`;
      }),
    );
    let i = 0;
    out = out.replace(/<!-- cli: ([^>]+?) -->\n[\s\S]*?<!-- \/cli -->/g, () => rendered[i++]!);
  }
  return out;
}

/** `node bin/dlnlab.js …` synchronously (dist/ must be built). */
const spawnCli: CliRunner = async (args) => {
  const bin = fileURLToPath(new URL("../bin/dlnlab.js", import.meta.url));
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dlnlab ${args.join(" ")} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
};

/** Re-render docs/theory.md in place; returns whether it changed. */
export async function refreshTheoryDoc(): Promise<boolean> {
  const before = readFileSync(DOC_PATH, "utf8");
  const after = await renderDoc(before, spawnCli);
  if (after !== before) writeFileSync(DOC_PATH, after);
  return after !== before;
}
