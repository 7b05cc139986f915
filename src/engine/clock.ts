/**
 * @file The host's monotonic clock, typed here: the portable core compiles without DOM or Node typings,
 * and Node, worker threads and browsers all have `performance.now()`.
 */
const host = globalThis as unknown as { performance: { now(): number } };

/** Milliseconds since an arbitrary origin (for durations only). */
export function nowMs(): number {
  return host.performance.now();
}
