/**
 * @file Runs the real `dlnlab` CLI (dist/, built by `npm test` before the suites) so CLI tests see what
 * a user sees: stdout, stderr and the exit code. `runCli` spawns bin/dlnlab.js in a child process;
 * `runMain` calls the same `main` in this process, which saves a node start-up per case.
 */
import { spawn } from "node:child_process";
import { expect } from "vitest";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** What a CLI invocation produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `dlnlab …args` and collect its output; `cwd` defaults to the repo root. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 120_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The signature of `main` in dist/cli/main.js: argv without `node` and the script, resolving to the exit code. */
type Main = (argv: string[]) => Promise<number>;
let mainPromise: Promise<Main> | null = null;
/** In-process calls share one process's stdout, cwd and env, so they run one at a time. */
let queue: Promise<unknown> = Promise.resolve();

/** Thrown in place of `process.exit` during an in-process call, so the test process survives it. */
class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

/**
 * Run `dlnlab …args` by calling `main(args)` from dist/cli/main.js in this process (what bin/dlnlab.js
 * does, without the ≈ 0.4–0.7 s of CPU a fresh node process spends importing the CLI), capturing what
 * it writes to stdout and stderr and its exit code (`main`'s result, or `process.exitCode`/`process.exit`
 * when a command sets those). cwd, env, `process.exitCode` and the stream writers are restored after
 * each call. An exception that escapes `main` is reported as the launcher would crash on it: its stack
 * on stderr and exit code 1. Use `runCli` instead for anything that needs its own process: signals,
 * locks held by another process, `kill -9`.
 */
export function runMain(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const call = queue.then(() => runMainNow(args, opts));
  queue = call.catch(() => undefined);
  return call;
}

async function runMainNow(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  mainPromise ??= import(new URL("../../dist/cli/main.js", import.meta.url).href).then((m: { main: Main }) => m.main);
  const main = await mainPromise;
  let stdout = "";
  let stderr = "";
  const saved = {
    out: process.stdout.write,
    err: process.stderr.write,
    exit: process.exit,
    exitCode: process.exitCode,
    cwd: process.cwd(),
    env: { ...process.env },
  };
  const capture = (append: (s: string) => void) =>
    ((chunk: string | Uint8Array, encodingOrCb?: unknown, cb?: unknown) => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof done === "function") queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture((s) => (stdout += s));
  process.stderr.write = capture((s) => (stderr += s));
  process.exit = ((code?: number | string | null) => {
    throw new ExitCalled(Number(code ?? process.exitCode ?? 0));
  }) as typeof process.exit;
  process.exitCode = undefined;
  process.chdir(opts.cwd ?? REPO);
  Object.assign(process.env, opts.env);
  let code: number;
  try {
    code = await main(args);
  } catch (err) {
    if (err instanceof ExitCalled) code = err.code;
    else {
      stderr += `${err instanceof Error ? err.stack : String(err)}\n`;
      code = 1;
    }
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.exit = saved.exit;
    process.exitCode = saved.exitCode;
    process.chdir(saved.cwd);
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
    Object.assign(process.env, saved.env);
  }
  return { code, signal: null, stdout, stderr };
}

/**
 * What the brief asks of bad input: exit code 2, nothing on stdout, exactly one line on stderr that
 * matches `pattern` (which names the field or flag), and no stack trace.
 */
export function expectUsageError(res: CliResult, pattern: RegExp, context = ""): void {
  expect(res.code, `${context} exit code; stderr: ${res.stderr}`).toBe(2);
  expect(res.stdout, `${context} stdout`).toBe("");
  const lines = res.stderr.trim().split("\n");
  expect(lines, `${context} stderr: ${res.stderr}`).toHaveLength(1);
  expect(res.stderr, context).toMatch(pattern);
  expect(res.stderr).not.toMatch(/\n\s+at /);
}
