import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A fallback for tests that set none (the slow ones of test/cli/reproduce.test.ts set their own from
    // what they do): the slowest of the others takes ≈ 6 s on one idle core and 45 s pinned to one core
    // of a 2-core machine at load average 25.
    testTimeout: 120_000,
    // Two cores on CI: more forks than cores only adds contention. On one core (`taskset -c 0`, which
    // availableParallelism sees) one worker took 146 s where two took 204 s: each worker imports the
    // module graph once, and two share the core's caches badly.
    maxWorkers: Math.max(1, Math.min(2, availableParallelism())),
    // No test mocks modules or leaves a global changed (test/helpers/cli.ts's in-process `runMain`
    // swaps the stream writers, cwd and env only for one queued call and restores them), so test files of a worker share one module graph:
    // the plot, engine and experiment modules are imported once per worker, not once per file
    // (≈ 20% less CPU for test/experiments, ≈ 35% for test/plot + test/theory).
    isolate: false,
  },
});
