/**
 * @file The plot panel: the four charts, what they show (the current run or the form's preview), the
 * overlays (a pinned run for comparison; the hook for a prediction such as the central flow), the log-x
 * toggle and the zoom resets. Exactly one chart lives in each plot host: a chart is destroyed before
 * another takes its place.
 */
import { byId } from "./dom.js";
import { fmt } from "./format.js";
import { BalanceChart, LossChart, ModesChart, PhaseChart, SharpnessChart, type ChartContext, type LiveChart, type Overlay } from "./plots.js";
import type { RunData } from "./series.js";

/** The plot ids in page order. */
export const PLOT_IDS = ["plot-modes", "plot-loss", "plot-sharpness", "plot-phase"] as const;

/** The page's charts and their shared settings. */
export class Plots {
  private readonly charts: Record<(typeof PLOT_IDS)[number], LiveChart>;
  /** What the plots show: the running experiment, or the form before a run. */
  ctx: ChartContext | null = null;
  private pinned: Overlay | null = null;
  private prediction: Overlay | null = null;
  private logX = false;

  constructor(onResize: () => void) {
    const host = (id: string) => byId(id).querySelector<HTMLElement>(".host")!;
    this.charts = {
      "plot-modes": new ModesChart(host("plot-modes"), "Mode coefficients per pathway"),
      "plot-loss": new LossChart(host("plot-loss"), "Training loss"),
      "plot-sharpness": new SharpnessChart(host("plot-sharpness"), "Sharpness against 2/η and the theory thresholds"),
      "plot-phase": new PhaseChart(host("plot-phase"), "Phase portrait of mode 1"),
    };
    const observer = new ResizeObserver(() => {
      for (const c of this.list()) c.resize();
      onResize();
    });
    for (const id of PLOT_IDS) {
      observer.observe(host(id));
      byId(id).querySelector("button.zoom-reset")!.addEventListener("click", () => this.charts[id].resetZoom());
    }
    const logX = byId<HTMLInputElement>("log-x");
    logX.addEventListener("change", () => {
      this.logX = logX.checked;
      this.rebuild();
      onResize();
    });
  }

  /** The charts in page order. */
  list(): LiveChart[] {
    return PLOT_IDS.map((id) => this.charts[id]);
  }

  /** The chart of a plot id. */
  chart(id: (typeof PLOT_IDS)[number]): LiveChart {
    return this.charts[id];
  }

  /** Point the plots at a run (or the form preview); the fourth plot is the phase portrait only for K = 2. */
  setContext(ctx: ChartContext): void {
    this.ctx = ctx;
    const wantPhase = ctx.depths.length === 2;
    if (wantPhase !== this.charts["plot-phase"] instanceof PhaseChart) {
      const old = this.charts["plot-phase"];
      old.destroy();
      this.charts["plot-phase"] = wantPhase ? new PhaseChart(old.host, "Phase portrait of mode 1") : new BalanceChart(old.host, "Balance index per mode");
    }
    byId("plot-phase").querySelector(".title")!.textContent = this.charts["plot-phase"].title;
    this.rebuild();
  }

  private rebuild(): void {
    if (!this.ctx) return;
    const overlays = [this.pinned, this.prediction].filter((o): o is Overlay => o !== null);
    for (const c of this.list()) c.reset(this.ctx, overlays, this.logX);
  }

  /** Redraw every chart from the run's columns (null: theory only). */
  draw(data: RunData | null): void {
    for (const c of this.list()) c.draw(data);
  }

  /** Keep a finished run on the plots, faint, under the next runs (null: unpin). */
  pin(run: { data: RunData; ctx: ChartContext } | null): void {
    this.pinned = run ? { label: `pinned (η = ${fmt(run.ctx.lr, 4)})`, style: "pinned", data: run.data, ctx: run.ctx } : null;
    this.rebuild();
  }

  /** The pinned run, if any. */
  get pinnedRun(): Overlay | null {
    return this.pinned;
  }

  /**
   * Draw a prediction of the same quantities dashed over the run (the hook for the central flow of
   * the current config: pass its records as a RunData; null removes it).
   */
  setPrediction(label: string, data: RunData | null, ctx: ChartContext | null = this.ctx): void {
    this.prediction = data && ctx ? { label, style: "prediction", data, ctx } : null;
    this.rebuild();
  }
}
