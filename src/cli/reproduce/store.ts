/**
 * @file Where a suite run keeps its work in the output folder, and how it knows what is finished:
 * `DIR/<name>/parts/<task>.json` holds one finished task (written atomically the moment it finishes),
 * `DIR/<name>/result.json` the finished experiment (written last, after its figures and data). Both
 * carry the experiment's hash; anything with another hash is stale and recomputed.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Check } from "../../experiments/checks.js";
import type { ExperimentMeta } from "../../experiments/types.js";
import { writeFileAtomic } from "../io.js";

/** A file an experiment wrote, as listed in its result.json. */
export interface ResultFile {
  /** Path relative to the experiment's folder. */
  path: string;
  description: string;
}

/** A figure an experiment wrote (SVG and PNG beside each other). */
export interface ResultFigure {
  name: string;
  title: string;
  caption: string;
  svg: string;
  png: string;
}

/** The self-describing result.json of one finished experiment. */
export interface ExperimentResult extends ExperimentMeta {
  dlnlab: { version: string; kind: "experiment" };
  size: string;
  hash: string;
  /** The resolved config that produced it (budget of the size picked out). */
  config: unknown;
  checks: Check[];
  /** Kind-specific summary of the data (final states, predictions, statuses). */
  summary: unknown;
  figures: ResultFigure[];
  files: ResultFile[];
  /** Compute time summed over tasks, s; tasks reused from an interrupted earlier invocation; assembly, checks and figures, s. */
  timing: { computeSeconds: number; tasks: number; reusedTasks: number; finishSeconds: number };
  created: string;
}

/** A finished task as stored on disk. */
export interface PartFile {
  dlnlab: { version: string; kind: "part" };
  experiment: string;
  task: string;
  hash: string;
  seconds: number;
  data: unknown;
}

/** Paths of one experiment's outputs. */
export function experimentPaths(out: string, name: string): { dir: string; result: string; parts: string; part: (task: string) => string } {
  const dir = join(out, name);
  return {
    dir,
    result: join(dir, "result.json"),
    parts: join(dir, "parts"),
    part: (task) => join(dir, "parts", `${task}.json`),
  };
}

// Task data holds NaN and ±∞ (undefined leaf coordinates, diverged runs), which JSON cannot: parts
// store them as the strings "NaN", "Infinity", "-Infinity" and read them back as numbers.
const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** JSON text of a part, keeping non-finite numbers (as marker strings). */
export function encodePart(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
}

/** Inverse of `encodePart`. */
export function decodePart(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (typeof v === "string" && v in NON_FINITE ? NON_FINITE[v] : v));
}

function readJsonOrNull(path: string): unknown {
  if (!existsSync(path)) return null;
  try {
    return decodePart(readFileSync(path, "utf8"));
  } catch {
    // A truncated or foreign file counts as missing: it is recomputed and overwritten.
    return null;
  }
}

/** The finished result of an experiment if it exists, matches `hash` and all its files exist; else null. */
export function readFinished(out: string, name: string, hash: string): ExperimentResult | null {
  const p = experimentPaths(out, name);
  const r = readJsonOrNull(p.result) as ExperimentResult | null;
  if (!r || r.hash !== hash || !Array.isArray(r.checks)) return null;
  const files = [...r.files.map((f) => f.path), ...r.figures.flatMap((f) => [f.svg, f.png])];
  return files.every((f) => existsSync(join(p.dir, f))) ? r : null;
}

/** A finished task with this hash, or null. */
export function readPart(out: string, name: string, task: string, hash: string): PartFile | null {
  const part = readJsonOrNull(experimentPaths(out, name).part(task)) as PartFile | null;
  return part && part.hash === hash && part.task === task ? part : null;
}

/** Store a finished task atomically. */
export function writePart(out: string, part: PartFile): void {
  writeFileAtomic(experimentPaths(out, part.experiment).part(part.task), encodePart(part) + "\n");
}

/** Remove the parts of a finished experiment (its result.json holds everything that is kept). */
export function removeParts(out: string, name: string): void {
  rmSync(experimentPaths(out, name).parts, { recursive: true, force: true });
}
