/**
 * @file File output that never leaves a half-written result: whole files are written to a temporary
 * name in the same directory and renamed into place (atomic on POSIX); the trajectory CSV is appended
 * line by line and trimmed back to the last checkpoint when a run is resumed.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./errors.js";

/** Name of the lock file a process holds in an output directory while it writes there. */
export const LOCK_FILE = ".dlnlab.lock";

/**
 * The errno code of a file-system error: its `code`, or, for an error cloned across threads (which
 * keeps only the message, e.g. "ENOSPC: no space left on device, write"), the code its message starts with.
 */
export function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code ?? /^(E[A-Z]+)\b/.exec((err as Error)?.message ?? "")?.[1];
}

/** Write faults that are the user's to fix (a full disk, a quota, a read-only file system, permissions): one line, never a crash. */
const WRITE_FAULTS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM"]);

/** Whether `err` is one of WRITE_FAULTS. */
export function isWriteFault(err: unknown): boolean {
  return WRITE_FAULTS.has(errorCode(err) ?? "");
}

/** A one-line description of a file-system error on `path` (no stack), for a UsageError. */
export function describeFsError(err: unknown, path: string): string {
  const code = errorCode(err);
  switch (code) {
    case "ENOTDIR":
      return `${path}: a part of the path is a file, not a directory`;
    case "EEXIST":
      return `${path} exists and is not a directory`;
    case "EACCES":
    case "EPERM":
      return `${path}: permission denied`;
    case "EROFS":
      return `${path}: the file system is read-only`;
    case "ENOSPC":
      return `${path}: disk full`;
    case "EDQUOT":
      return `${path}: disk quota exceeded`;
    case "EISDIR":
      return `${path} is a directory, not a file`;
    case "ENOENT":
      return `${path} does not exist`;
    default:
      return `${path}: ${(err as Error).message}`;
  }
}

/**
 * `mkdir -p` by hand: creates the missing directories from the deepest existing ancestor down, one
 * non-recursive mkdir each. Node 20's `mkdirSync(p, { recursive: true })` never returns for a path
 * under /proc (the kernel answers ENOENT for every level and Node retries forever); this fails at once.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      // Another worker made it in the meantime (reproduce's parallel tasks share parent directories).
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || !statSync(m).isDirectory()) throw err;
    }
  }
}

/**
 * Make `dir` an output directory we can write: created if missing; a file, a path under a file,
 * an empty path and a read-only place are UsageErrors naming `flag`.
 */
export function ensureOutDir(dir: string, flag = "--out"): void {
  if (dir.trim() === "") throw new UsageError(`${flag}: expected a directory, got an empty path`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`${flag}: ${dir} is a file, not a directory`);
  try {
    makeDirs(dir);
  } catch (err) {
    // mkdir's ENOENT after the walk above means the parent exists but takes no new entries (/proc, /sys).
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? `${dir}: its parent directory does not accept new directories` : describeFsError(err, dir);
    throw new UsageError(`${flag}: cannot create ${why}`);
  }
}

/** Entries of an output directory other than the lock file. */
export function outDirEntries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => n !== LOCK_FILE) : [];
}

/** Remove the named files (and directories) of `dir` that exist: what `--force` clears before a new run. */
export function removeEntries(dir: string, names: readonly string[]): void {
  for (const name of names) rmSync(join(dir, name), { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A held lock on an output directory; `release` removes it (also done at process exit). */
export interface DirLock {
  path: string;
  release: () => void;
}

/** The pid of the live process holding `dir`'s lock, or null when it is free or the lock is stale. */
export function lockHolder(dir: string): number | null {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return null;
  let pid = Number.NaN;
  try {
    pid = Number((JSON.parse(readFileSync(path, "utf8")) as { pid?: unknown }).pid);
  } catch {
    // Unreadable or half-written lock: stale.
  }
  return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : null;
}

/**
 * Take the lock of output directory `dir` (created first): a file `.dlnlab.lock` made exclusively
 * (O_EXCL) holding this process's pid. A lock whose process is gone is stale and taken over; one held
 * by a live process is a UsageError naming it, so two processes never write one directory. The one
 * lock of every command that writes a directory (run, demo, reproduce, sweep and its shards).
 */
export function acquireDirLock(dir: string, flag = "--out"): DirLock {
  ensureOutDir(dir, flag);
  const path = join(dir, LOCK_FILE);
  const body = JSON.stringify({ pid: process.pid, started: new Date().toISOString() }) + "\n";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, body, { flag: "wx" });
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off("exit", release);
        try {
          unlinkSync(path);
        } catch {
          // Already gone (removed by hand): nothing to release.
        }
      };
      process.on("exit", release);
      return { path, release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw new UsageError(`${flag}: cannot write to ${describeFsError(err, dir)}`);
    }
    const pid = lockHolder(dir);
    if (pid !== null) throw new UsageError(`${flag}: ${dir} is in use by process ${pid} (lock file ${path}); wait for it to finish or use another ${flag}`);
    // Stale: its process has gone without removing it (killed, crashed).
    rmSync(path, { force: true });
  }
  throw new UsageError(`${flag}: could not take the lock ${path} (another process keeps taking it)`);
}

/** Write `data` to `path` atomically (temp file + rename), creating the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  makeDirs(dirname(path));
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    // Never leave a temp file behind; a full or read-only disk is the user's to fix, not a crash.
    rmSync(tmp, { force: true });
    if (isWriteFault(err)) throw new UsageError(`cannot write ${describeFsError(err, path)}`);
    throw err;
  }
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
    makeDirs(dirname(path));
  }

  /** Start the file afresh with these lines. */
  reset(lines: readonly string[]): void {
    writeFileAtomic(this.path, lines.map((l) => l + "\n").join(""));
  }

  /** Append lines. */
  append(lines: readonly string[]): void {
    if (lines.length === 0) return;
    try {
      appendFileSync(this.path, lines.map((l) => l + "\n").join(""));
    } catch (err) {
      // A full disk may cut the last row; --resume drops such a row (truncateBeforeStep) and goes on.
      if (isWriteFault(err)) throw new UsageError(`cannot write ${describeFsError(err, this.path)}`);
      throw err;
    }
  }

  /**
   * Keep the header and the complete data lines (as many fields as the header) whose first field
   * (the step) is < `step`; returns the kept line count. A row cut short (a crash or a full disk
   * mid-write) is dropped.
   */
  truncateBeforeStep(step: number): number {
    const text = existsSync(this.path) ? readFileSync(this.path, "utf8") : "";
    const lines = text.split("\n");
    // Every row is written with its newline: text after the last newline is a row cut short.
    lines.pop();
    const fields = (l: string) => l.split(",").length;
    const width = lines.length > 0 ? fields(lines[0]!) : 0;
    const kept = lines.filter((l, i) => l !== "" && (i === 0 || (fields(l) === width && Number(l.slice(0, l.indexOf(","))) < step)));
    this.reset(kept);
    return kept.length - 1;
  }
}
