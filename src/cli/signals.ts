/**
 * @file Ctrl-C for long runs: the first SIGINT asks the running simulation to stop at the next slice
 * (it then writes what it has and exits with 130); a second one exits at once.
 */

/** A request-to-stop flag tied to SIGINT/SIGTERM while installed. */
export interface InterruptFlag {
  requested: () => boolean;
  dispose: () => void;
}

/** Install SIGINT/SIGTERM handlers that set a flag; `dispose` removes them. */
export function onInterrupt(): InterruptFlag {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) process.exit(130);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    requested: () => count > 0,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
