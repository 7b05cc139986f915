/**
 * @file The page's experiment session: the lab state (base + flag overrides), its validation, the
 * lab-only controls (K, η as a multiple of 2/λ_single) and the theory of the current inputs. The form,
 * theory panel, controls and plots read it and are told when it changes. DOM-free.
 */
import { FIELD_FLAGS, FlagError, parseFlagValue } from "../../src/config/flags.js";
import { DERIVED_KEYS } from "./fields.js";
import { flagNumber } from "./format.js";
import { theorySummary, type TheoryInputs, type TheorySummary } from "./regime.js";
import { evaluate, formTexts, isApplicable, modelOf, setFlag, type BaseConfig, type Evaluation, type LabState } from "./state.js";

/** Parse one flag's text for the theory preview (null when it does not parse). */
export function parsed<T>(key: string, text: string | undefined): T | null {
  const f = FIELD_FLAGS.find((g) => g.flag === `--${key}`);
  if (!f || text === undefined || text === "") return null;
  try {
    return parseFlagValue(f, text) as T;
  } catch (err) {
    if (err instanceof FlagError) return null;
    throw err;
  }
}

/** Flags that decide the target spectrum: the default σ is resolved from these alone. */
const SPECTRUM_KEYS = ["model", "width", "depths", "sigma", "basis"];

/** One experiment being edited, with everything derived from it. */
export class Session {
  state: LabState;
  evaluation: Evaluation;
  theory: TheorySummary | null = null;
  /** Why there is no theory (shown in the panel), "" when there is one. */
  theoryError = "";
  /** Messages of the lab-only controls (K, multiple), which are not flags. */
  readonly derivedErrors = new Map<string, string>();
  private readonly listeners: ((typing?: string) => void)[] = [];

  constructor(state: LabState) {
    this.state = state;
    this.evaluation = evaluate(state);
    this.recompute();
  }

  /** Call `fn` after every change (`typing`: the control being edited, left as typed). */
  subscribe(fn: (typing?: string) => void): void {
    this.listeners.push(fn);
  }

  /** The form's texts per flag. */
  texts(): Map<string, string> {
    return formTexts(this.state);
  }

  /** Whether Run may start: the config validates and no lab-only control complains. */
  get valid(): boolean {
    return this.evaluation.ok && this.derivedErrors.size === 0;
  }

  /** Start over from a base config. */
  setBase(base: BaseConfig): void {
    this.state = { base, overrides: new Map() };
    this.derivedErrors.clear();
    this.changed();
  }

  /** A control changed: derived controls write into their flags. */
  input(key: string, text: string): void {
    if (key === "K") this.setK(text);
    else if (key === "multiple") this.setMultiple(text);
    // Spaces around a value are typing, not part of it (they would reach the URL as "+").
    else this.state = setFlag(this.state, key, text.trim());
    this.changed(key);
  }

  private changed(typing?: string): void {
    // A derived control not being edited is rewritten from the flags, so its old complaint goes.
    for (const key of DERIVED_KEYS) if (key !== typing) this.derivedErrors.delete(key);
    this.evaluation = evaluate(this.state);
    this.recompute();
    for (const fn of this.listeners) fn(typing);
  }

  private recompute(): void {
    this.theory = null;
    this.theoryError = "";
    const inputs = this.theoryInputs();
    if (!inputs) return;
    try {
      this.theory = theorySummary(inputs);
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.theoryError = err.message;
    }
  }

  /** K resizes the depth list (repeating the last depth) and a per-pathway init-scale list. */
  private setK(text: string): void {
    const K = Number(text.trim());
    if (!Number.isInteger(K) || K < 1 || K > 64) {
      this.derivedErrors.set("K", `K: expected an integer from 1 to 64, got ${JSON.stringify(text)}`);
      return;
    }
    this.derivedErrors.delete("K");
    const texts = this.texts();
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

  /**
   * The target spectrum the run will use: the σ field, or when it is empty the schema's default for
   * this width, resolved from the spectrum's own flags so that an unrelated bad field (a seed of 1.5)
   * does not hide it.
   */
  private sigma(texts: ReadonlyMap<string, string>): number[] | null {
    const sigmaText = texts.get("sigma") ?? "";
    if (sigmaText.trim() !== "") return parsed<number[]>("sigma", sigmaText);
    const ev = this.evaluation.ok
      ? this.evaluation
      : evaluate({ base: this.state.base, overrides: new Map([...this.state.overrides].filter(([k]) => SPECTRUM_KEYS.includes(k))) });
    return ev.ok && ev.spec.target.sigma ? [...ev.spec.target.sigma] : null;
  }

  /** The theory inputs parsed from the form (independently of other fields' errors). */
  private theoryInputs(): TheoryInputs | null {
    const texts = this.texts();
    const depths = parsed<number[]>("depths", texts.get("depths"));
    const lr = parsed<number>("lr", texts.get("lr"));
    const dynamics = texts.get("dynamics") as TheoryInputs["dynamics"];
    if (!depths || depths.length === 0) return (this.theoryError = "needs valid depths"), null;
    const sigma = this.sigma(texts);
    if (!sigma) return (this.theoryError = (texts.get("sigma") ?? "") === "" ? "needs a valid width d for the default σ" : "needs the target singular values σ"), null;
    if (lr === null) return (this.theoryError = "needs a valid step size η"), null;
    const initScales = modelOf(texts) === "dln" && texts.get("init") === "svs" ? parsed<number[]>("init-scales", texts.get("init-scales")) : null;
    return { depths, sigma, lr, dynamics, initScales };
  }

  /** The current inputs for the plots before a run (width capped: the preview draws theory only). */
  previewInputs(): (TheoryInputs & { width: number }) | null {
    const inp = this.theoryInputs();
    const width = parsed<number>("width", this.texts().get("width"));
    if (!inp || width === null || width < 1) return null;
    return { ...inp, width: Math.min(width, 64) };
  }
}
