/**
 * @file Runs the real `dlnlab` binary (bin/dlnlab.js → dist/, built by `npm test` before the suites)
 * in a child process, so CLI tests see exactly what a user sees: stdout, stderr and the exit code.
 */
import { spawn } from "node:child_process";
import { expect } from "vitest";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url));

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
      cwd: opts.cwd ?? fileURLToPath(new URL("../..", import.meta.url)),
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
