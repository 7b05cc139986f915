/**
 * @file The lab page: wires the session (state in the URL, validation, theory) to the form, the theory
 * panel, the run controls, the plots, the readout and the exports, and runs the one animation-frame
 * loop that redraws them. All numerical work is the engine's and theory's (src/), in a Web Worker.
 */
import "uplot/dist/uPlot.min.css";
import "./styles.css";
// The theory document ships with the site (hashed asset), so the link works wherever the lab is hosted.
import theoryDoc from "../../docs/theory.md?url";
import { Plots } from "./charts.js";
import { Prediction } from "./prediction.js";
import { Controls } from "./controls.js";
import { byId, note } from "./dom.js";
import { renderExports, wireExports, type RunMeta } from "./exports.js";
import { Form } from "./form.js";
import { fmt, fmtInt } from "./format.js";
import { applyGlossary } from "./glossary.js";
import type { ChartContext } from "./plots.js";
import { BASES } from "./presets.js";
import { renderReadout } from "./readout.js";
import { Runner } from "./runner.js";
import { Session } from "./session.js";
import { cliCommand, fromQuery, toQuery } from "./state.js";
import { renderTheory } from "./theory-panel.js";

class App {
  private readonly session: Session;
  private readonly form: Form;
  private readonly runner: Runner;
  private readonly plots: Plots;
  private readonly controls: Controls;
  private readonly prediction: Prediction;
  /** The current run's chart context (the prediction is drawn in it). */
  private runCtx: ChartContext | null = null;
  /** The run's link, command and theory (fixed when it starts; the form may change meanwhile). */
  private meta: RunMeta = { name: null, url: "", command: "", theory: null };
  private runQuery = "";
  private frame = 0;
  private domDirty = false;
  private previewDirty = true;
  /** Longest gap between animation frames during the current run (ms): how fluid the page stayed. */
  private maxFrameGap = 0;
  private lastFrame = 0;
  /** Earliest time of the next chart redraw (ms, animation-frame clock). */
  private nextDraw = 0;

  constructor() {
    const parsedQuery = fromQuery(location.search, BASES);
    if (parsedQuery.notes.length > 0) note(parsedQuery.notes.join(" · "));
    this.session = new Session(parsedQuery.state);
    this.form = new Form(this.session);
    this.runner = new Runner({
      records: () => this.requestFrame(true),
      phase: () => this.onPhase(),
      ready: () => this.requestFrame(true),
    });
    this.plots = new Plots(() => this.requestFrame(true));
    this.prediction = new Prediction((data) => {
      this.plots.setPrediction("central flow (prediction)", data, this.runCtx);
      this.requestFrame(true);
    });
    byId<HTMLInputElement>("predict-central").addEventListener("change", () => this.predict(false));
    this.controls = new Controls(this.session, this.runner, {
      start: (paused) => this.start(paused),
      reset: () => {
        this.runCtx = null;
        this.prediction.clear();
        this.previewDirty = true;
        this.requestFrame(true);
      },
    });
    wireExports(this.runner, this.plots, () => this.meta, () => this.subtitle());
    byId("pin").addEventListener("click", () => this.togglePin());
    this.session.subscribe((typing) => this.update(typing));
    byId<HTMLAnchorElement>("theory-link").href = theoryDoc;
    applyGlossary(document.body);
    // The form column sticks below the run bar, whose height depends on the width and its messages.
    const bar = document.querySelector<HTMLElement>(".runbar")!;
    new ResizeObserver(() => document.documentElement.style.setProperty("--bar-height", `${bar.offsetHeight}px`)).observe(bar);
    this.update();
    // A link ending in #run (a sweep cell opened from sweep.html) starts its run at once.
    if (location.hash === "#run") {
      history.replaceState(null, "", `${location.pathname}${location.search}`);
      this.start(false);
    }
  }

  /** The session changed: redraw the form, theory, link and command. */
  private update(typing?: string): void {
    this.form.render(typing);
    renderTheory(this.session);
    const query = toQuery(this.session.state);
    const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
    if (`${location.pathname}${location.search}${location.hash}` !== url) history.replaceState(null, "", url);
    byId<HTMLInputElement>("share-link").value = location.href;
    byId<HTMLInputElement>("cli-command").value = cliCommand(this.session.state);
    if (this.runner.phase === "idle") this.previewDirty = true;
    this.controls.renderButtons();
    this.requestFrame(true);
  }

  private start(paused: boolean): void {
    const s = this.session;
    if (!s.valid || !s.evaluation.ok) return;
    const { spec, config } = s.evaluation;
    this.runQuery = toQuery(s.state);
    this.meta = { name: config.name ?? null, url: location.href, command: cliCommand(s.state), theory: s.theory };
    this.maxFrameGap = 0;
    this.lastFrame = 0;
    const initScales = spec.model !== "mlp" && spec.init.type === "svs" ? [...spec.init.scales] : null;
    try {
      this.runCtx = {
        depths: [...spec.depths],
        width: spec.width,
        sigma: spec.target.sigma ? [...spec.target.sigma] : [],
        // The central flow runs in GD-step time against 2/η: drawn as the GD run of its system.
        dynamics: spec.dynamics === "central" ? spec.flow.system : spec.dynamics,
        lr: spec.lr,
        steps: spec.steps,
        initScales,
        theory: s.theory,
      };
      this.prediction.clear();
      this.plots.setContext(this.runCtx);
      this.runner.start(spec, this.controls.speed, paused);
    } catch (err) {
      note(`Could not start the run: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Start (or drop) the central-flow prediction of the current run once it has ended, as the checkbox says (`auto`: on its own). */
  private predict(auto: boolean): void {
    const spec = this.runner.spec;
    if (!spec || this.runner.phase !== "done" || !byId<HTMLInputElement>("predict-central").checked) this.prediction.clear();
    else this.prediction.start(spec, auto);
  }

  /** The form as a chart context, for the preview before a run. */
  private previewContext(): ChartContext | null {
    const inp = this.session.previewInputs();
    if (!inp) return null;
    const K = inp.depths.length;
    const scales = inp.initScales ? (inp.initScales.length === 1 ? new Array<number>(K).fill(inp.initScales[0]!) : [...inp.initScales]) : null;
    const ev = this.session.evaluation;
    return { depths: [...inp.depths], width: inp.width, sigma: [...inp.sigma], dynamics: inp.dynamics, lr: inp.lr, steps: ev.ok ? ev.spec.steps : 1, initScales: scales, theory: this.session.theory };
  }

  private togglePin(): void {
    const r = this.runner;
    if (this.plots.pinnedRun) this.plots.pin(null);
    else if (r.phase === "done" && r.data && this.plots.ctx) this.plots.pin({ data: r.data, ctx: this.plots.ctx });
    this.requestFrame(true);
  }

  private onPhase(): void {
    // The prediction starts once the run has ended: the run gets every core while it goes, and the
    // overlay is drawn over a finished run anyway.
    if (this.runner.phase === "done") this.predict(true);
    // Status line and buttons change together: a "Paused" status never shows a "Pause" button.
    this.controls.renderStatus();
    this.controls.renderButtons();
    this.requestFrame(true);
  }

  /** Ask for one redraw at the next animation frame (never more often). */
  private requestFrame(dom: boolean): void {
    if (dom) this.domDirty = true;
    if (this.frame) return;
    this.frame = requestAnimationFrame((t) => this.onFrame(t));
  }

  private onFrame(now: number): void {
    this.frame = 0;
    const r = this.runner;
    if (r.phase === "running") {
      if (this.lastFrame > 0) this.maxFrameGap = Math.max(this.maxFrameGap, now - this.lastFrame);
      this.lastFrame = now;
    } else {
      this.lastFrame = 0;
    }
    if (r.phase === "idle" && this.previewDirty) {
      this.previewDirty = false;
      const ctx = this.previewContext();
      if (ctx) this.plots.setContext(ctx);
    }
    // Redraw at most at frame rate, and less often when drawing is slow (long runs recorded every
    // step): drawing never takes more than about a third of the main thread.
    if (now >= this.nextDraw) {
      const t0 = performance.now();
      this.plots.draw(r.data);
      this.nextDraw = now + 2 * (performance.now() - t0);
    } else {
      this.requestFrame(false);
    }
    if (this.domDirty) {
      this.domDirty = false;
      this.renderRun();
    }
    // Keep measuring frame gaps while a run goes, even between batches.
    if (r.phase === "running") this.requestFrame(false);
  }

  private renderRun(): void {
    const r = this.runner;
    const ev = this.session.evaluation;
    renderReadout(r, ev.ok ? ev.spec.steps : 0, this.maxFrameGap);
    byId("stale").hidden = !r.spec || toQuery(this.session.state) === this.runQuery;
    this.controls.renderButtons();
    renderExports(r);
    const pin = byId<HTMLButtonElement>("pin");
    const pinned = this.plots.pinnedRun !== null;
    pin.textContent = pinned ? "Unpin" : "Pin this run";
    pin.disabled = !pinned && !(r.phase === "done" && (r.data?.length ?? 0) > 0);
    pin.setAttribute("aria-pressed", String(pinned));
    byId("pin-note").textContent = pinned ? `${this.plots.pinnedRun!.label} is drawn faintly under the next runs.` : "";
  }

  /** One line describing the plotted run, for exported figures. */
  private subtitle(): string {
    const ctx = this.plots.ctx;
    if (!ctx) return "";
    const step = this.runner.data?.last?.step;
    const dyn = ctx.dynamics === "flow" ? "gradient flow" : ctx.dynamics === "reduced" ? "reduced GD" : "GD, full matrices";
    const h = ctx.theory && ctx.dynamics !== "flow" ? ` (h = ${fmt(ctx.lr * ctx.theory.window.lambdaSingle, 4)})` : "";
    return `K = ${ctx.depths.length}, depths ${ctx.depths.join(",")}, d = ${ctx.width}, σ = ${ctx.sigma.join(",")}, η = ${fmt(ctx.lr, 6)}${h}, ${dyn}${step !== undefined ? `, step ${fmtInt(step)}` : ""}`;
  }
}

// Every error the page does not handle itself is shown to the user, not only in the console.
window.addEventListener("error", (e) => note(`Unexpected error: ${e.message}`));
window.addEventListener("unhandledrejection", (e) => note(`Unexpected error: ${e.reason instanceof Error ? e.reason.message : String(e.reason)}`));

new App();
