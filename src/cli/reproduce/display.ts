/**
 * @file Progress of a suite run on stderr: on a terminal one bar per experiment (cli-progress), each
 * filled by the work done in its tasks; elsewhere (pipes, CI logs) one line per finished experiment.
 */
import cliProgress from "cli-progress";

/** Progress output of one suite run. */
export class SuiteDisplay {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bars = new Map<string, cliProgress.SingleBar>();
  private readonly width: number;

  constructor(names: readonly string[], tty = Boolean(process.stderr.isTTY)) {
    this.width = Math.max(...names.map((n) => n.length));
    this.multi = tty
      ? new cliProgress.MultiBar(
          {
            format: "{name} |{bar}| {percentage}% | {status}",
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: false,
            barsize: 24,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    for (const name of names) {
      const bar = this.multi?.create(100, 0, { name: name.padEnd(this.width), status: "queued" });
      if (bar) this.bars.set(name, bar);
    }
  }

  /** Fraction done (0–1) and a short status of one experiment. */
  update(name: string, fraction: number, status: string): void {
    this.bars.get(name)?.update(Math.round(100 * Math.min(1, Math.max(0, fraction))), { name: name.padEnd(this.width), status });
  }

  /** An experiment is over: fill its bar, or print one line when there are no bars. */
  done(name: string, status: string): void {
    if (this.multi) this.update(name, 1, status);
    else process.stderr.write(`${name.padEnd(this.width)}  ${status}\n`);
  }

  /** Remove the bars' cursor handling (the bars stay on screen). */
  stop(): void {
    this.multi?.stop();
  }
}
