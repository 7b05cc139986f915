import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A fallback for tests that set none: the slow ones (test/cli/reproduce.test.ts) set their own from
    // what they do; everything else takes seconds even on a loaded machine.
    testTimeout: 60_000,
    // Two cores on CI: more forks than cores only adds contention.
    maxWorkers: 2,
    // No test mocks modules or changes globals, so test files of a worker share one module graph:
    // the plot, engine and experiment modules are imported once per worker, not once per file
    // (≈ 20% less CPU for test/experiments, ≈ 35% for test/plot + test/theory).
    isolate: false,
  },
});
