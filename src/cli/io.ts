/**
 * @file File output that never leaves a half-written result: whole files are written to a temporary
 * name in the same directory and renamed into place (atomic on POSIX); the trajectory CSV is appended
 * line by line and trimmed back to the last checkpoint when a run is resumed.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { UsageError } from "./errors.js";

/** Write `data` to `path` atomically (temp file + rename), creating the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Write pretty JSON atomically. Non-finite numbers become null (JSON has no NaN). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
}

/** Read a JSON file; a missing or malformed file is a UsageError naming it. */
export function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what}: ${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as unknown;
  } catch (err) {
    throw new UsageError(`${what}: ${path} is not valid JSON (${(err as Error).message})`);
  }
}

/** Appends lines to a file as they come (each call is one write, so a crash loses at most the last line). */
export class LineAppender {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Start the file afresh with these lines. */
  reset(lines: readonly string[]): void {
    writeFileAtomic(this.path, lines.map((l) => l + "\n").join(""));
  }

  /** Append lines. */
  append(lines: readonly string[]): void {
    if (lines.length > 0) appendFileSync(this.path, lines.map((l) => l + "\n").join(""));
  }

  /** Keep the header and the data lines whose first field (the step) is < `step`; returns the kept line count. */
  truncateBeforeStep(step: number): number {
    const lines = existsSync(this.path) ? readFileSync(this.path, "utf8").split("\n").filter((l) => l !== "") : [];
    const kept = lines.filter((l, i) => i === 0 || Number(l.slice(0, l.indexOf(","))) < step);
    this.reset(kept);
    return kept.length - 1;
  }
}
