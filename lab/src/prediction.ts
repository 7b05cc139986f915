/**
 * @file The central-flow prediction of the current GD run (docs/theory.md §11): the engine's
 * `centralFlowSpec` of the run's spec, integrated in a worker of its own once the run has ended (so
 * the run never waits for it) and drawn dashed over it. Its status line says where the flow ends, or why
 * there is no prediction (a flow run, a model without one, an engine error).
 */
import { centralFlowSpec, type SimulationSpec } from "../../src/engine/simulate.js";
import { estimateRun, fmtDuration, WARN_SECONDS } from "./cost.js";
import { byId } from "./dom.js";
import { fmt, fmtInt } from "./format.js";
import { Runner } from "./runner.js";
import type { RunData } from "./series.js";

/** Why a spec has no central-flow prediction here, or null when it has one. */
export function predictionUnavailable(spec: SimulationSpec): string | null {
  if (spec.dynamics === "flow" || spec.dynamics === "central") return `a ${spec.dynamics === "flow" ? "gradient-flow" : "central-flow"} run is not GD`;
  if ((spec.model ?? "dln") !== "dln") return "the lab predicts the deep linear network only (the CLI's --predict central covers the MLP)";
  return null;
}

/** The prediction's worker and status line (#prediction-status). */
export class Prediction {
  private readonly runner: Runner;
  /** Records of the finished prediction, or null. */
  data: RunData | null = null;

  constructor(private readonly onDone: (data: RunData | null) => void) {
    this.runner = new Runner({ records: () => undefined, phase: () => this.onPhase(), ready: () => undefined });
  }

  /**
   * Predict `spec` (a GD spec), replacing any earlier prediction; says why when there is none. `auto`
   * (a new run) leaves out runs estimated above WARN_SECONDS: the flow costs about as much as the run,
   * and a long run should not silently cost twice; ticking the box again starts it anyway.
   */
  start(spec: SimulationSpec, auto: boolean): void {
    this.clear();
    const why = predictionUnavailable(spec);
    if (why) {
      this.say(`No central-flow prediction: ${why}.`, "none");
      return;
    }
    const seconds = estimateRun(spec).seconds;
    if (auto && seconds !== null && seconds > WARN_SECONDS) {
      this.say(`Central flow not started for a run estimated at ${fmtDuration(seconds)} (it costs about as much again): untick and tick "central-flow prediction" to integrate it anyway.`, "none");
      return;
    }
    this.say("Central flow: integrating…", "running");
    this.runner.start(centralFlowSpec(spec), Infinity);
  }

  /** Drop the prediction (its worker stops at once). */
  clear(): void {
    if (this.runner.phase !== "idle") this.runner.reset();
    this.data = null;
    this.say("", "idle");
    this.onDone(null);
  }

  private onPhase(): void {
    const r = this.runner;
    if (r.phase === "error") {
      this.say(`No central-flow prediction: ${r.error ?? "the flow failed"}.`, "error");
      this.onDone(null);
    } else if (r.phase === "done" && r.data && r.data.length > 0) {
      this.data = r.data;
      const last = r.data.last!;
      // Mode 1 of every pathway: s[k][0].
      const s = last.s.map((sk) => sk[0]!);
      const step = last.step;
      const el = this.say(`Central flow (dashed): ${r.status ?? "ended"} at step ${fmtInt(step)}, top-mode s = (${s.map((v) => fmt(v, 4)).join(", ")}).`, "done");
      el.dataset.value = s.join(",");
      el.dataset.step = String(step);
      this.onDone(r.data);
    }
  }

  private say(text: string, phase: string): HTMLElement {
    const el = byId("prediction-status");
    el.textContent = text;
    el.dataset.phase = phase;
    delete el.dataset.value;
    delete el.dataset.step;
    el.hidden = text === "";
    return el;
  }
}
