/**
 * @file The run controls (the sticky bar): Run, Pause/Resume, Step, Reset, the speed slider, the run's
 * status line and the cost estimate shown before a run starts.
 */
import { WARN_SECONDS, estimateRun, fmtBytes, fmtDuration } from "./cost.js";
import { byId } from "./dom.js";
import { fmtInt } from "./format.js";
import type { Runner } from "./runner.js";
import type { Session } from "./session.js";

/** Speeds of the speed slider, in GD steps per second (the last: as fast as possible). */
const SPEEDS = [10, 100, 1_000, 10_000, 100_000, Infinity];

/** What the controls ask of the page. */
export interface ControlsHost {
  /** Start a run of the session's config (paused: halted at step 0). */
  start(paused: boolean): void;
  /** The run was dropped: back to the preview. */
  reset(): void;
}

/** The bar's buttons and status, bound to a session and a runner. */
export class Controls {
  /** Playback speed (steps/s; Infinity = as fast as possible). */
  speed = Infinity;

  constructor(
    private readonly session: Session,
    private readonly runner: Runner,
    private readonly host: ControlsHost,
  ) {
    byId<HTMLFormElement>("controls").addEventListener("submit", (e) => {
      e.preventDefault();
      this.host.start(false);
    });
    byId("pause").addEventListener("click", () => (runner.phase === "paused" ? runner.resume() : runner.pause()));
    byId("step").addEventListener("click", () => {
      if (runner.phase !== "paused") this.host.start(true);
      runner.step();
    });
    byId("reset").addEventListener("click", () => {
      runner.reset();
      this.host.reset();
    });
    const speed = byId<HTMLInputElement>("speed");
    const setSpeed = () => {
      this.speed = SPEEDS[Number(speed.value)] ?? Infinity;
      const text = this.speed === Infinity ? "maximum" : `${fmtInt(this.speed)} steps/s`;
      byId("speed-text").textContent = text;
      speed.setAttribute("aria-valuetext", text);
      runner.setSpeed(this.speed);
    };
    speed.addEventListener("input", setSpeed);
    setSpeed();
  }

  /** The status line after a phase change. */
  renderStatus(): void {
    const r = this.runner;
    const status = byId("run-status");
    const step = r.data?.last?.step ?? 0;
    switch (r.phase) {
      case "idle":
        status.textContent = "Idle: set up an experiment and press Run.";
        break;
      case "running":
        status.textContent = "Running…";
        break;
      case "paused":
        status.textContent = `Paused at step ${fmtInt(step)}: Resume, or Step through it one record at a time.`;
        break;
      case "done": {
        const stop = r.stop ? ` — ${r.stop.reason}` : "";
        status.textContent = `Done: ${r.status} at step ${fmtInt(step)}${stop}.`;
        break;
      }
      case "error":
        status.textContent = `Error: ${r.error}`;
        break;
    }
    status.dataset.phase = r.phase;
    status.dataset.status = r.status ?? "";
  }

  /** Enable the buttons that apply, and show the cost of the configured run. */
  renderButtons(): void {
    const phase = this.runner.phase;
    const valid = this.session.valid;
    const ev = this.session.evaluation;
    const run = byId<HTMLButtonElement>("run");
    run.disabled = !valid;
    run.title = valid ? "Start a new run with these settings (Enter in any field)" : "Fix the marked inputs first";
    const pause = byId<HTMLButtonElement>("pause");
    pause.textContent = phase === "paused" ? "Resume" : "Pause";
    pause.disabled = phase !== "running" && phase !== "paused";
    const every = phase === "paused" && this.runner.spec ? this.runner.spec.record.every : ev.ok ? ev.spec.record.every : 1;
    const step = byId<HTMLButtonElement>("step");
    step.disabled = phase === "running" || (phase !== "paused" && !valid);
    step.title = `Advance one record interval (${fmtInt(every)} step${every === 1 ? "" : "s"})`;
    byId<HTMLButtonElement>("reset").disabled = phase === "idle";
    const estimate = byId("estimate");
    const cost = ev.ok ? estimateRun(ev.spec) : null;
    if (cost && cost.seconds !== null && cost.seconds > WARN_SECONDS) {
      estimate.textContent = `This run may take about ${fmtDuration(cost.seconds)} in the browser (${fmtBytes(cost.bytes)}); Reset stops it at any time.`;
      estimate.dataset.seconds = String(cost.seconds);
      estimate.hidden = false;
    } else {
      estimate.hidden = true;
      estimate.textContent = "";
      delete estimate.dataset.seconds;
    }
  }
}
