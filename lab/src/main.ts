/**
 * @file The lab page: builds the form from the CLI's flags, keeps the state in the URL, shows the
 * theory for the current inputs, runs the engine in a worker and draws the records live. All
 * numerical work is the engine's and theory's (src/); this file only wires it to the page.
 */
import "uplot/dist/uPlot.min.css";
import "./styles.css";
import { FIELD_FLAGS, FlagError, parseFlagValue } from "../../src/config/flags.js";
import { chartPng, download, runJson, trajectoryCsv } from "./export.js";
import { DERIVED_KEYS, FIELD_GROUPS, FIELDS, type FieldDef } from "./fields.js";
import { flagNumber, fmt, fmtInt, fmtPoint } from "./format.js";
import { BalanceChart, LossChart, ModesChart, PhaseChart, SharpnessChart, type ChartContext, type LiveChart } from "./plots.js";
import { BASES, SKIPPED_EXPERIMENTS } from "./presets.js";
import { theorySummary, type TheoryInputs, type TheorySummary } from "./regime.js";
import { Runner } from "./runner.js";
import {
  DEFAULT_BASE, baseTexts, cliCommand, evaluate, formTexts, fromQuery, isApplicable, modelOf, setFlag, toQuery,
  type BaseConfig, type Evaluation, type LabState,
} from "./state.js";

/** Speeds of the speed slider, in GD steps per second (the last: as fast as possible). */
const SPEEDS = [10, 100, 1_000, 10_000, 100_000, Infinity];

/** Explanations of the regimes (docs/theory.md §4–§5). */
const REGIME_DETAILS: Readonly<Record<TheorySummary["regime"], string>> = {
  flow: "Gradient flow conserves the pathways' leaf coordinates: it ends at the gradient-flow end point, one pathway carrying nearly all of the mode.",
  "winner-takes-all": "The single-path minimum is stable: GD behaves like gradient flow and the pathway with the largest init takes nearly the whole mode.",
  rebalancing: "First winner-takes-all as in gradient flow; then the sharpness passes 2/η, GD enters the Edge of Stability and moves signal to the other pathways until λ ≤ 2/η.",
  "above-wcr": "Overshoots may carry the dominant pathway through zero, so the two-step return of docs/theory.md §5 no longer holds: the prediction is not guaranteed.",
  "above-balanced": "Even the flattest zero-loss allocation has λ > 2/η: expect a persistent period-2 oscillation around the balanced point, or divergence.",
};

/** Parse one flag's text for the theory preview (null when it does not parse). */
function parsed<T>(key: string, text: string | undefined): T | null {
  const f = FIELD_FLAGS.find((g) => g.flag === `--${key}`);
  if (!f || text === undefined || text === "") return null;
  try {
    return parseFlagValue(f, text) as T;
  } catch (err) {
    if (err instanceof FlagError) return null;
    throw err;
  }
}

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id} in index.html`);
  return el as T;
}

/** Set text and the exact value (for copy-paste and tests) of an element. */
function show(el: HTMLElement, text: string, value?: number | readonly number[] | null): void {
  if (el.textContent !== text) el.textContent = text;
  if (value === undefined || value === null) el.removeAttribute("data-value");
  else el.dataset.value = Array.isArray(value) ? value.join(",") : String(value);
}

class App {
  private state: LabState;
  private evaluation: Evaluation;
  private theory: TheorySummary | null = null;
  private theoryError = "";
  private readonly derivedErrors = new Map<string, string>();
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private readonly runner: Runner;
  private speed = Infinity;
  private readonly charts: { modes: ModesChart; loss: LossChart; sharpness: SharpnessChart; phase: PhaseChart | BalanceChart };
  private readonly phaseHost: HTMLElement;
  /** What the plots show: the running experiment, or the form before a run. */
  private chartCtx: ChartContext | null = null;
  private runQuery = "";
  private runName: string | null = null;
  private runUrl = "";
  private runCommand = "";
  private frame = 0;
  private domDirty = false;
  private previewDirty = false;
  /** Longest gap between animation frames during the current run (ms): how fluid the page stayed. */
  private maxFrameGap = 0;
  private lastFrame = 0;
  /** Earliest time of the next chart redraw (ms, animation-frame clock). */
  private nextDraw = 0;

  constructor() {
    const parsedQuery = fromQuery(location.search, BASES);
    this.state = parsedQuery.state;
    this.evaluation = evaluate(this.state);
    const notes = parsedQuery.notes;
    if (notes.length > 0) {
      const el = byId("notes");
      el.textContent = notes.join(" · ");
      el.hidden = false;
    }
    this.buildPresetPicker();
    this.buildFields();
    this.runner = new Runner({
      records: () => this.requestFrame(true),
      phase: () => this.onPhase(),
      ready: () => this.requestFrame(true),
    });
    const host = (id: string) => byId(id).querySelector<HTMLElement>(".host")!;
    this.phaseHost = host("plot-phase");
    this.charts = {
      modes: new ModesChart(host("plot-modes"), "Mode coefficients per pathway"),
      loss: new LossChart(host("plot-loss"), "Training loss"),
      sharpness: new SharpnessChart(host("plot-sharpness"), "Sharpness against 2/η and the theory thresholds"),
      phase: new PhaseChart(this.phaseHost, "Phase portrait of mode 1"),
    };
    this.wireButtons();
    const observer = new ResizeObserver(() => {
      for (const c of this.chartList()) c.resize();
    });
    for (const c of this.chartList()) observer.observe(c.host);
    this.update();
  }

  private chartList(): LiveChart[] {
    return [this.charts.modes, this.charts.loss, this.charts.sharpness, this.charts.phase];
  }

  // ---------------------------------------------------------------- form

  private buildPresetPicker(): void {
    const select = byId<HTMLSelectElement>("f-preset");
    const add = (parent: HTMLElement, value: string, text: string) => {
      const o = document.createElement("option");
      o.value = value;
      o.textContent = text;
      parent.append(o);
    };
    add(select, "", DEFAULT_BASE.label);
    const groups: [string, BaseConfig["kind"]][] = [["Embedded presets (dlnlab run --preset)", "preset"], ["Paper figures (reproduction suite, quick size)", "experiment"]];
    for (const [label, kind] of groups) {
      const bases = BASES.filter((b) => b.kind === kind);
      if (bases.length === 0) continue;
      const group = document.createElement("optgroup");
      group.label = label;
      for (const b of bases) add(group, `${b.kind}:${b.id}`, b.label);
      select.append(group);
    }
    if (SKIPPED_EXPERIMENTS.length > 0) {
      const box = byId("preset-skipped");
      box.querySelector("ul")!.replaceChildren(
        ...SKIPPED_EXPERIMENTS.map((m) => {
          const li = document.createElement("li");
          li.textContent = m;
          return li;
        }),
      );
      box.hidden = false;
    }
    select.addEventListener("change", () => {
      const base = BASES.find((b) => `${b.kind}:${b.id}` === select.value) ?? DEFAULT_BASE;
      this.state = { base, overrides: new Map() };
      this.derivedErrors.clear();
      this.update();
    });
  }

  private buildFields(): void {
    const root = byId("fields");
    for (const group of FIELD_GROUPS) {
      const advanced = group.fields.every((f) => f.advanced);
      const box = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = group.title;
      box.append(legend);
      for (const f of group.fields) box.append(this.buildField(f));
      if (advanced) {
        const details = document.createElement("details");
        const summary = document.createElement("summary");
        summary.textContent = group.title;
        legend.classList.add("visually-hidden");
        details.append(summary, box);
        root.append(details);
      } else {
        root.append(box);
      }
    }
  }

  private buildField(f: FieldDef): HTMLElement {
    const wrap = document.createElement("div");
    wrap.className = "field";
    wrap.dataset.key = f.key;
    const id = `f-${f.key}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = f.label + " ";
    if (f.unit) {
      const unit = document.createElement("span");
      unit.className = "unit";
      unit.textContent = f.unit;
      label.append(unit);
    }
    let control: HTMLInputElement | HTMLSelectElement;
    if (f.control === "select") {
      const select = document.createElement("select");
      for (const o of f.options ?? []) {
        const opt = document.createElement("option");
        opt.value = o.value;
        opt.textContent = o.text;
        select.append(opt);
      }
      select.addEventListener("change", () => this.onInput(f.key, select.value));
      control = select;
    } else {
      const input = document.createElement("input");
      input.type = "text";
      input.inputMode = f.inputmode ?? "text";
      input.autocomplete = "off";
      input.spellcheck = false;
      input.addEventListener("input", () => this.onInput(f.key, input.value));
      control = input;
    }
    control.id = id;
    control.name = f.key;
    control.setAttribute("aria-describedby", `h-${f.key} e-${f.key}`);
    const help = document.createElement("p");
    help.className = "help";
    help.id = `h-${f.key}`;
    help.textContent = f.help;
    const error = document.createElement("p");
    error.className = "error";
    error.id = `e-${f.key}`;
    error.setAttribute("aria-live", "polite");
    wrap.append(label, control, help, error);
    this.inputs.set(f.key, control);
    return wrap;
  }

  /** A control changed: update the state (derived controls write into their flags), then everything. */
  private onInput(key: string, text: string): void {
    if (key === "K") this.setK(text);
    else if (key === "multiple") this.setMultiple(text);
    else this.state = setFlag(this.state, key, text);
    this.update(key);
  }

  /** K resizes the depth list (repeating the last depth) and a per-pathway init-scale list. */
  private setK(text: string): void {
    const K = Number(text.trim());
    if (!Number.isInteger(K) || K < 1 || K > 64) {
      this.derivedErrors.set("K", `K: expected an integer from 1 to 64, got ${JSON.stringify(text)}`);
      return;
    }
    this.derivedErrors.delete("K");
    const texts = formTexts(this.state);
    const depths = parsed<number[]>("depths", texts.get("depths"));
    const resize = (list: number[], next: (last: number) => number) => {
      const out = list.slice(0, K);
      while (out.length < K) out.push(next(out[out.length - 1]!));
      return out;
    };
    if (depths && depths.length > 0) this.state = setFlag(this.state, "depths", resize(depths, (L) => L).join(","));
    const scales = parsed<number[]>("init-scales", texts.get("init-scales"));
    if (isApplicable("init-scales", texts) && scales && scales.length > 1) {
      // Each new pathway starts slightly smaller, so the first pathway still wins under gradient flow.
      this.state = setFlag(this.state, "init-scales", resize(scales, (a) => Number((a * 0.9).toPrecision(6))).join(","));
    }
  }

  /** η from its multiple of 2/λ_single (needs the current depths and σ). */
  private setMultiple(text: string): void {
    const m = Number(text.trim());
    const t = this.theory;
    if (text.trim() === "" || !Number.isFinite(m) || m <= 0) {
      this.derivedErrors.set("multiple", `η as a multiple of 2/λ_single: expected a number > 0, got ${JSON.stringify(text)}`);
      return;
    }
    if (!t) {
      this.derivedErrors.set("multiple", "η as a multiple of 2/λ_single: needs valid depths and singular values first");
      return;
    }
    this.derivedErrors.delete("multiple");
    this.state = setFlag(this.state, "lr", flagNumber(m * t.window.etaSingle));
  }

  /** The theory inputs parsed from the form (independently of other fields' errors). */
  private theoryInputs(texts: ReadonlyMap<string, string>): TheoryInputs | null {
    const depths = parsed<number[]>("depths", texts.get("depths"));
    // An empty σ field means the schema's default spectrum: take it from the resolved spec.
    const sigmaText = texts.get("sigma") ?? "";
    const sigma =
      sigmaText.trim() === "" && this.evaluation.ok && this.evaluation.spec.target.sigma
        ? [...this.evaluation.spec.target.sigma]
        : parsed<number[]>("sigma", sigmaText);
    const lr = parsed<number>("lr", texts.get("lr"));
    const dynamics = texts.get("dynamics") as TheoryInputs["dynamics"];
    if (!depths || depths.length === 0) return (this.theoryError = "needs valid depths"), null;
    if (!sigma) return (this.theoryError = "needs the target singular values σ"), null;
    if (lr === null) return (this.theoryError = "needs a valid step size η"), null;
    const initScales = modelOf(texts) === "dln" && texts.get("init") === "svs" ? parsed<number[]>("init-scales", texts.get("init-scales")) : null;
    return { depths, sigma, lr, dynamics, initScales };
  }

  /** Recompute from the state and refresh the page; `typing` is the control being edited (left as typed). */
  private update(typing?: string): void {
    // A derived control not being edited is rewritten from the flags below, so its old complaint goes.
    for (const key of DERIVED_KEYS) if (key !== typing) this.derivedErrors.delete(key);
    this.evaluation = evaluate(this.state);
    const texts = formTexts(this.state);
    this.theory = null;
    this.theoryError = "";
    const inputs = this.theoryInputs(texts);
    if (inputs) {
      try {
        this.theory = theorySummary(inputs);
      } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        this.theoryError = err.message;
      }
    }
    this.renderForm(texts, typing);
    this.renderTheory();
    const query = toQuery(this.state);
    const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
    if (`${location.pathname}${location.search}${location.hash}` !== url) history.replaceState(null, "", url);
    byId<HTMLInputElement>("share-link").value = location.href;
    byId<HTMLInputElement>("cli-command").value = cliCommand(this.state);
    if (this.runner.phase === "idle") this.previewDirty = true;
    this.requestFrame(true);
  }

  private renderForm(texts: ReadonlyMap<string, string>, typing?: string): void {
    byId<HTMLSelectElement>("f-preset").value = this.state.base.id ? `${this.state.base.kind}:${this.state.base.id}` : "";
    byId("h-preset").textContent = this.state.base.description;
    const errors = this.evaluation.ok ? new Map<string, string>() : this.evaluation.errors;
    const base = baseTexts(this.state.base);
    for (const f of FIELDS) {
      const control = this.inputs.get(f.key)!;
      const wrap = control.closest<HTMLElement>(".field")!;
      let text: string;
      if (f.key === "K") {
        const depths = parsed<number[]>("depths", texts.get("depths"));
        text = depths ? String(depths.length) : control.value;
      } else if (f.key === "multiple") {
        text = this.theory && this.theory.window.etaSingle > 0 ? flagNumber(Number(this.theory.multiple.toPrecision(6))) : control.value;
      } else {
        text = texts.get(f.key) ?? "";
        wrap.hidden = !isApplicable(f.key, texts);
      }
      if (control instanceof HTMLSelectElement && ![...control.options].some((o) => o.value === text)) {
        // A variant only a config file can set (svs-layers), or no value at all (the model's default).
        const opt = document.createElement("option");
        opt.value = text;
        opt.textContent = text === "" ? "default" : text;
        control.append(opt);
      }
      if (f.key !== typing && control.value !== text) control.value = text;
      // An empty field the base leaves unset means the schema's default, and says so.
      if (control instanceof HTMLInputElement && !DERIVED_KEYS.has(f.key)) control.placeholder = base.get(f.key) === "" ? "default" : "";
      const message = DERIVED_KEYS.has(f.key) ? this.derivedErrors.get(f.key) : errors.get(f.key);
      const errorEl = byId(`e-${f.key}`);
      errorEl.textContent = message ?? "";
      if (message) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    }
    const general = this.evaluation.ok ? [] : this.evaluation.general;
    byId("general-error").textContent = general.join(" ");
    this.renderButtons();
  }

  private renderTheory(): void {
    const t = this.theory;
    const regime = byId("regime");
    if (!t) {
      show(regime, `theory not available: ${this.theoryError}`);
      regime.dataset.regime = "";
      byId("regime-detail").textContent = "";
      for (const id of ["t-eta-single", "t-eta-bal", "t-eta-wcr", "t-eta", "t-optimum", "t-gf", "t-stop", "t-rank"]) show(byId(id), "–");
      byId("eta-scale").replaceChildren();
      return;
    }
    const w = t.window;
    const texts = formTexts(this.state);
    const scheduled = texts.get("schedule") !== "constant" && t.regime !== "flow" ? " (for the peak step η; the schedule varies it)" : "";
    show(regime, t.label + scheduled);
    regime.dataset.regime = t.regime;
    const mlp = modelOf(texts) === "mlp" ? " These are the linear network's thresholds: a guide for the MLP, which needs a slightly larger η to balance fully (docs/theory.md §7)." : "";
    byId("regime-detail").textContent = REGIME_DETAILS[t.regime] + (w.empty && t.regime !== "flow" ? " Here 2/λ_bal ≤ 2/λ_single: no step re-balances (depth ≤ 2 or K = 1)." : "") + mlp;
    show(byId("t-eta-single"), `${fmt(w.lambdaSingle)} → ${fmt(w.etaSingle, 6)}`, w.etaSingle);
    show(byId("t-eta-bal"), `${fmt(w.lambdaBalanced)} → ${fmt(w.etaBalanced, 6)}`, w.etaBalanced);
    show(byId("t-eta-wcr"), `${fmt(w.etaWcr, 6)} (c_L = ${fmt(w.cL, 5)})`, w.etaWcr);
    const lr = t.lr;
    show(byId("t-eta"), t.regime === "flow" ? "– (gradient flow)" : `${fmt(lr, 6)} = ${fmt(t.multiple, 4)} × 2/λ_single (h = η·λ_single = ${fmt(t.h, 4)})`, t.regime === "flow" ? null : lr);
    show(byId("t-optimum"), fmtPoint(t.optimum), t.optimum);
    show(byId("t-gf"), t.gfEndpoint ? fmtPoint(t.gfEndpoint) : "– (needs K ≥ 2 and an SVS init)", t.gfEndpoint);
    if (t.stop.ok) {
      const b = t.stop.boundary;
      const how = b.method === "exact" ? "exact for K = 2" : b.method === "gf-endpoint" ? "the GF end point is already stable" : "leaf-ray approximation";
      show(byId("t-stop"), `${fmtPoint(b.s)}, λ = ${fmt(b.sharpness)} (${how})`, b.s);
    } else {
      show(byId("t-stop"), `none: ${t.stop.reason}`);
    }
    if (t.rank) {
      const r = t.rank;
      show(byId("t-rank"), `${r.rank} of ${r.rebalanced.length} (modes with λ_single(σ_i) > 2/η)${r.admissible ? "" : "; η is above the admissible band"}`, r.rank);
    } else {
      show(byId("t-rank"), t.regime === "flow" ? "none (gradient flow)" : "top mode only (one singular value, or mixed depths)");
    }
    this.renderEtaScale(t, lr);
  }

  /** A number line of step sizes with the thresholds and the chosen η (decorative; the list has the numbers). */
  private renderEtaScale(t: TheorySummary, lr: number): void {
    const w = t.window;
    const max = Math.max(w.etaWcr, w.etaBalanced, lr) * 1.1;
    const pct = (x: number) => `${Math.min(100, (100 * x) / max).toFixed(2)}%`;
    const el = byId("eta-scale");
    const band = (from: number, to: number, cls: string) => {
      const d = document.createElement("span");
      d.className = `band ${cls}`;
      d.style.left = pct(from);
      d.style.width = `calc(${pct(Math.max(to, from))} - ${pct(from)})`;
      return d;
    };
    const mark = (x: number, label: string, cls: string) => {
      const d = document.createElement("span");
      d.className = `mark ${cls}`;
      d.style.left = pct(x);
      d.textContent = label;
      return d;
    };
    const upper = Math.min(w.etaBalanced, w.etaWcr);
    const children = [
      band(0, w.etaSingle, "wta"),
      band(w.etaSingle, upper, "window"),
      band(upper, max, "unstable"),
      mark(w.etaSingle, "2/λ_single", "th"),
      mark(w.etaBalanced, "2/λ_bal", "th"),
      mark(w.etaWcr, "η_WCR", "th low"),
    ];
    if (t.regime !== "flow") children.push(mark(lr, "η", "eta"));
    el.replaceChildren(...children);
  }

  // ---------------------------------------------------------------- run

  private wireButtons(): void {
    byId<HTMLFormElement>("controls").addEventListener("submit", (e) => {
      e.preventDefault();
      this.start(false);
    });
    byId("pause").addEventListener("click", () => (this.runner.phase === "paused" ? this.runner.resume() : this.runner.pause()));
    byId("step").addEventListener("click", () => {
      if (this.runner.phase !== "paused") this.start(true);
      this.runner.step();
    });
    byId("reset").addEventListener("click", () => {
      this.runner.reset();
      this.previewDirty = true;
      this.requestFrame(true);
    });
    const speed = byId<HTMLInputElement>("speed");
    const setSpeed = () => {
      this.speed = SPEEDS[Number(speed.value)] ?? Infinity;
      const text = this.speed === Infinity ? "maximum" : `${fmtInt(this.speed)} steps/s`;
      byId("speed-text").textContent = text;
      speed.setAttribute("aria-valuetext", text);
      this.runner.setSpeed(this.speed);
    };
    speed.addEventListener("input", setSpeed);
    setSpeed();
    byId("export-json").addEventListener("click", () => this.exportJson());
    byId("export-csv").addEventListener("click", () => this.exportCsv());
    byId("copy-link").addEventListener("click", () => this.copy("share-link"));
    byId("copy-cli").addEventListener("click", () => this.copy("cli-command"));
    const pngButtons: [string, () => LiveChart, string][] = [
      ["plot-modes", () => this.charts.modes, "modes"],
      ["plot-loss", () => this.charts.loss, "loss"],
      ["plot-sharpness", () => this.charts.sharpness, "sharpness"],
      ["plot-phase", () => this.charts.phase, "phase"],
    ];
    for (const [id, chart, name] of pngButtons) {
      byId(id).querySelector("button.png")!.addEventListener("click", () => {
        chartPng(chart(), this.subtitle())
          .then((blob) => download(`dlnlab-${name}.png`, blob))
          .catch((err: Error) => this.note(`PNG export failed: ${err.message}`));
      });
    }
  }

  private start(paused: boolean): void {
    if (!this.evaluation.ok || this.derivedErrors.size > 0) return;
    const { spec, config } = this.evaluation;
    this.runQuery = toQuery(this.state);
    this.runName = config.name ?? null;
    this.runUrl = location.href;
    this.runCommand = cliCommand(this.state);
    this.maxFrameGap = 0;
    this.lastFrame = 0;
    const initScales = (spec as { model?: string }).model !== "mlp" && spec.init.type === "svs" ? [...spec.init.scales] : null;
    this.setChartContext({
      depths: [...spec.depths],
      width: spec.width,
      sigma: spec.target.sigma ? [...spec.target.sigma] : [],
      dynamics: spec.dynamics,
      lr: spec.lr,
      initScales,
      theory: this.theory,
    });
    this.runner.start(spec, this.speed, paused);
  }

  /** Point the plots at a run (or the form preview); the fourth plot is the phase portrait only for K = 2. */
  private setChartContext(ctx: ChartContext): void {
    this.chartCtx = ctx;
    const wantPhase = ctx.depths.length === 2;
    if (wantPhase !== this.charts.phase instanceof PhaseChart) {
      this.charts.phase = wantPhase ? new PhaseChart(this.phaseHost, "Phase portrait of mode 1") : new BalanceChart(this.phaseHost, "Balance index per mode");
    }
    byId("plot-phase").querySelector(".title")!.textContent = this.charts.phase.title;
    for (const c of this.chartList()) c.reset(ctx);
  }

  /** The form as a chart context, for the preview before a run. */
  private previewContext(): ChartContext | null {
    const texts = formTexts(this.state);
    const inp = this.theoryInputs(texts);
    const width = parsed<number>("width", texts.get("width"));
    if (!inp || width === null || width < 1) return null;
    const K = inp.depths.length;
    const scales = inp.initScales ? (inp.initScales.length === 1 ? new Array<number>(K).fill(inp.initScales[0]!) : [...inp.initScales]) : null;
    return { depths: [...inp.depths], width: Math.min(width, 64), sigma: [...inp.sigma], dynamics: inp.dynamics, lr: inp.lr, initScales: scales, theory: this.theory };
  }

  private onPhase(): void {
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
    this.renderButtons();
    this.requestFrame(true);
  }

  private renderButtons(): void {
    const phase = this.runner?.phase ?? "idle";
    // Any message on the page blocks a run, also one on K or the η multiple (not flags themselves).
    const valid = this.evaluation.ok && this.derivedErrors.size === 0;
    const run = byId<HTMLButtonElement>("run");
    run.disabled = !valid;
    run.title = valid ? "Start a new run with these settings (Enter in any field)" : "Fix the marked inputs first";
    const pause = byId<HTMLButtonElement>("pause");
    pause.textContent = phase === "paused" ? "Resume" : "Pause";
    pause.disabled = phase !== "running" && phase !== "paused";
    const every = this.evaluation.ok ? this.evaluation.spec.record.every : 1;
    const step = byId<HTMLButtonElement>("step");
    step.disabled = phase === "running" || (phase !== "paused" && !valid);
    step.title = `Advance one record interval (${fmtInt(phase === "paused" && this.runner.spec ? this.runner.spec.record.every : every)} steps)`;
    byId<HTMLButtonElement>("reset").disabled = phase === "idle";
    const hasData = (this.runner?.data?.length ?? 0) > 0;
    byId<HTMLButtonElement>("export-json").disabled = !hasData;
    byId<HTMLButtonElement>("export-csv").disabled = !hasData;
  }

  // ---------------------------------------------------------------- drawing

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
      if (ctx) this.setChartContext(ctx);
    }
    // Redraw at most at frame rate, and less often when drawing is slow (long runs recorded every
    // step): drawing never takes more than about a third of the main thread.
    if (now >= this.nextDraw) {
      const t0 = performance.now();
      for (const c of this.chartList()) c.draw(r.data);
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
    const steps = r.spec?.steps ?? (this.evaluation.ok ? this.evaluation.spec.steps : 0);
    const last = r.data?.last;
    const progress = byId<HTMLProgressElement>("progress");
    progress.max = Math.max(1, steps);
    progress.value = last ? last.step : 0;
    show(byId("progress-text"), r.spec ? `step ${fmtInt(last?.step ?? 0)} / ${fmtInt(steps)}` : "–");
    const rate = byId("rate");
    if (r.timing.steps > 0 && r.timing.engineSeconds > 0) {
      const sps = r.timing.steps / r.timing.engineSeconds;
      const kernels = r.timing.backend === "scalar" ? "scalar reduced steps" : `${r.timing.backend} kernels`;
      show(rate, `${fmtInt(sps)} steps/s in the engine (${kernels}, Web Worker) · ${fmtInt(r.timing.steps)} steps in ${fmt(r.timing.wallSeconds, 3)} s · longest frame ${fmtInt(this.maxFrameGap)} ms`, sps);
      rate.dataset.wallSeconds = String(r.timing.wallSeconds);
      rate.dataset.maxFrameMs = String(this.maxFrameGap);
      rate.dataset.backend = r.timing.backend;
    } else {
      show(rate, r.backend ? `– steps/s (kernels: ${r.backend})` : "– steps/s");
    }
    byId("stale").hidden = !r.spec || toQuery(this.state) === this.runQuery;
    this.renderValues();
    this.renderButtons();
  }

  private renderValues(): void {
    const r = this.runner;
    const last = r.data?.last;
    const spec = r.spec;
    const body = byId("values").querySelector("tbody")!;
    byId("values-caption").textContent = r.phase === "done" ? "Final values" : "Values at the last recorded step";
    const modesHead = byId("modes-table").querySelector("thead")!;
    const modesBody = byId("modes-table").querySelector("tbody")!;
    if (!last || !spec || !r.data) {
      body.replaceChildren();
      modesHead.replaceChildren();
      modesBody.replaceChildren();
      return;
    }
    // Last measured sharpness (records between measurements have none).
    let lam: number | null = null;
    const sharp = r.data.sharpness.data;
    for (let i = r.data.length - 1; i >= 0 && lam === null; i--) if (!Number.isNaN(sharp[i]!)) lam = sharp[i]!;
    const rows: [string, string, string, number | null][] = [
      ["v-step", "step", fmtInt(last.step), last.step],
      ["v-loss", "loss ½‖F − Y‖²", fmt(last.loss), last.loss],
      ["v-sharpness", "sharpness λ_max (last measured)", fmt(lam), lam],
      ["v-threshold", "stability threshold 2/η", spec.dynamics === "flow" ? "–" : fmt(2 / last.lr), spec.dynamics === "flow" ? null : 2 / last.lr],
    ];
    if (r.status) rows.unshift(["v-status", "status", r.status, null]);
    body.replaceChildren(
      ...rows.map(([id, label, text, value]) => {
        const tr = document.createElement("tr");
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = label;
        const td = document.createElement("td");
        td.id = id;
        show(td, text, value);
        tr.append(th, td);
        return tr;
      }),
    );
    const K = spec.depths.length;
    const d = Math.min(spec.width, 8);
    const head = document.createElement("tr");
    const cell = (tag: "th" | "td", text: string, value?: number | null, id?: string) => {
      const c = document.createElement(tag);
      if (tag === "th") (c as HTMLTableCellElement).scope = "col";
      if (id) c.id = id;
      show(c, text, value);
      return c;
    };
    head.append(cell("th", "mode i"), ...spec.depths.map((L, k) => cell("th", `s_${k + 1},i (L=${L})`)), cell("th", "balance"));
    modesHead.replaceChildren(head);
    const trs: HTMLTableRowElement[] = [];
    for (let i = 0; i < d; i++) {
      const tr = document.createElement("tr");
      tr.append(cell("td", String(i + 1)));
      for (let k = 0; k < K; k++) tr.append(cell("td", fmt(last.s[k]![i]!, 6), last.s[k]![i]!, `s-${k + 1}-${i + 1}`));
      tr.append(cell("td", fmt(last.balanceIndex[i]!, 4), last.balanceIndex[i]!));
      trs.push(tr);
    }
    modesBody.replaceChildren(...trs);
  }

  // ---------------------------------------------------------------- export

  private subtitle(): string {
    const ctx = this.chartCtx;
    if (!ctx) return "";
    const step = this.runner.data?.last?.step;
    const dyn = ctx.dynamics === "flow" ? "gradient flow" : ctx.dynamics === "reduced" ? "reduced GD" : "GD, full matrices";
    const h = this.theory && ctx.dynamics !== "flow" ? ` (h = ${fmt(ctx.lr * this.theory.window.lambdaSingle, 4)})` : "";
    return `K = ${ctx.depths.length}, depths ${ctx.depths.join(",")}, d = ${ctx.width}, σ = ${ctx.sigma.join(",")}, η = ${fmt(ctx.lr, 6)}${h}, ${dyn}${step !== undefined ? `, step ${fmtInt(step)}` : ""}`;
  }

  private exportJson(): void {
    const r = this.runner;
    if (!r.spec || !r.data) return;
    const text = runJson({ name: this.runName, spec: r.spec, data: r.data, status: r.status, stop: r.stop, timing: r.timing, url: this.runUrl, command: this.runCommand });
    download("dlnlab-run.json", new Blob([text], { type: "application/json" }));
  }

  private exportCsv(): void {
    const r = this.runner;
    if (!r.spec || !r.data) return;
    download("trajectory.csv", new Blob([trajectoryCsv(r.data, r.spec)], { type: "text/csv" }));
  }

  private copy(id: string): void {
    const input = byId<HTMLInputElement>(id);
    input.select();
    // The clipboard needs a secure context and permission; when refused, the text stays selected to copy by hand.
    navigator.clipboard?.writeText(input.value).then(
      () => this.note("Copied."),
      () => this.note("Copy by hand: the text is selected."),
    );
  }

  private note(text: string): void {
    const el = byId("notes");
    el.textContent = text;
    el.hidden = false;
  }
}

new App();
