import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // Two cores on CI: more forks than cores only adds contention.
    maxWorkers: 2,
  },
});
