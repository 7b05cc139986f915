/**
 * @file A progress bar on stderr for long runs: shown only when stderr is a terminal and the work has
 * already taken about a second, so short runs and pipes/CI logs get nothing but results.
 */
import cliProgress from "cli-progress";

/** A lazily shown progress bar. */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly started = performance.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    options: { enabled?: boolean; delayMs?: number } = {},
  ) {
    this.enabled = options.enabled ?? Boolean(process.stderr.isTTY);
    this.delayMs = options.delayMs ?? 1000;
  }

  private readonly delayMs: number;

  /** Report `value` of `total` done, with a short status text. */
  update(value: number, status = ""): void {
    if (!this.enabled) return;
    if (!this.bar) {
      if (performance.now() - this.started < this.delayMs) return;
      this.bar = new cliProgress.SingleBar(
        {
          format: `${this.label} |{bar}| {percentage}% | {value}/{total} | {status} | eta {eta_formatted}`,
          stream: process.stderr,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, value, { status });
    }
    this.bar.update(value, { status });
  }

  /** Remove the bar (if it was shown). */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
