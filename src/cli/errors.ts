/**
 * @file Error types the CLI turns into one-line messages and exit codes.
 * Anything else that escapes a command is a bug and is reported with its stack.
 */

/** Bad input from the user (flag, config field, file): printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A run stopped by Ctrl-C/SIGTERM before it had anything to report: printed as one line, exit code 130. */
export class InterruptedError extends Error {
  override readonly name = "InterruptedError";
}

/** Exit code for bad input (flags, config fields, files). */
export const EXIT_USAGE = 2;
/** Exit code after Ctrl-C, as shells report SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;
/** Exit code when a run diverged or a check failed: results were written but the outcome is bad. */
export const EXIT_FAILURE = 1;

/**
 * One line for an experiment that failed: the first non-empty line of the message, a zod error's
 * first issue as "path: message" (its message is the issues as JSON), never empty — an empty text
 * made a failed experiment count as done.
 */
export function errorLine(err: unknown): string {
  const issues = (err as { issues?: { path?: PropertyKey[]; message?: string }[] } | null)?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    const first = issues[0]!;
    const path = (first.path ?? []).map(String).join(".");
    return `${path ? `${path}: ` : ""}${first.message ?? "invalid"}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  const line = message.split("\n").map((l) => l.trim()).find((l) => l !== "");
  return line ?? (err instanceof Error ? err.name : "unknown error");
}
