/**
 * @file The piscina options every dlnlab worker pool shares: the compiled `worker.js` beside the pool's
 * module in dist/, or the TypeScript `worker.ts` under tsx in development (tsx's loader is passed to the
 * workers when the parent does not already carry it), with a fixed number of threads.
 */

/** Worker file, thread count and exec arguments for a pool whose module is at `poolUrl` (its `import.meta.url`). */
export function workerPoolOptions(poolUrl: string, jobs: number): { filename: string; minThreads: number; maxThreads: number; execArgv: string[] } {
  const source = poolUrl.endsWith(".ts");
  const loaded = process.execArgv.some((a) => a.includes("tsx"));
  return {
    filename: new URL(source ? "./worker.ts" : "./worker.js", poolUrl).href,
    minThreads: jobs,
    maxThreads: jobs,
    execArgv: source ? (loaded ? process.execArgv : [...process.execArgv, "--import", "tsx"]) : withoutTsx(process.execArgv),
  };
}

/**
 * A parent's exec arguments without tsx's loader (`--import …tsx…`, `--require …tsx…`): a compiled
 * worker needs none, and under tsx's hooks the sweep worker ran 2.2x slower (bench/sweep.ts, which
 * runs under tsx and drives dist/'s pool).
 */
function withoutTsx(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === "--import" || a === "--require" || a === "--loader" || a === "-r") && argv[i + 1]?.includes("tsx")) i++;
    else if (!/^--(import|require|loader)=.*tsx/.test(a)) out.push(a);
  }
  return out;
}
