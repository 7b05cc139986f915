/**
 * @file Kind `alignment`: the checks of its data against the theory, with their tolerances (kind.ts runs it, figures.ts draws it).
 */
import { linearFit } from "../../../engine/measure/regression.js";
import { riskDecaySlope } from "../../../theory/alignment.js";
import { atLeastCheck, closeCheck, type Check } from "../../checks.js";
import { short } from "../../common.js";
import type { Resolved } from "../../types.js";
import type { AlignmentData, AlignmentRecord, AlignmentRun } from "./kind.js";
import type { AlignmentConfig } from "./schema.js";

type R = Resolved<AlignmentConfig>;

/** Fitted rates of one run over its last `decades` of τ. */
export interface RunRates {
  /** Records in the fit window. */
  window: AlignmentRecord[];
  /** ln R vs ln τ. */
  risk: ReturnType<typeof linearFit>;
  /** The rate law's slope averaged over the window's margin scales ℓ = γ‖w‖. */
  riskPredicted: number;
  /** Per layer l < L: ln(1 − ‖W_l‖₂²/‖W_l‖²_F) vs ln ‖W_l‖²_F. */
  ratio: ReturnType<typeof linearFit>[];
  /** Per pair l: ln(1 − |v_{l+1}ᵀu_l|) vs ln ‖W_l‖²_F. */
  align: ReturnType<typeof linearFit>[];
  /** ln ∠(w, ŵ) vs ln ‖w‖. */
  angle: ReturnType<typeof linearFit>;
}

/** The rates of a run (pure; used by checks, summary and figures). */
export function analyseRun(run: AlignmentRun, decades: number): RunRates {
  const start = run.timeEnd * Math.pow(10, -decades);
  const window = run.records.filter((rec) => rec.time >= start && rec.time > 0);
  const ln = Math.log;
  const L = run.depth;
  const gamma = run.svm.margin;
  const riskPredicted = window.reduce((a, rec) => a + riskDecaySlope(gamma * rec.wNorm, L), 0) / window.length;
  const ratio = Array.from({ length: L - 1 }, (_, l) =>
    linearFit(window.map((rec) => ln(rec.fro[l]! ** 2)), window.map((rec) => ln(1 - (rec.spectral[l]! / rec.fro[l]!) ** 2))));
  const align = Array.from({ length: L - 1 }, (_, l) =>
    linearFit(window.map((rec) => ln(rec.fro[l]! ** 2)), window.map((rec) => ln(1 - rec.align[l]!))));
  return {
    window,
    risk: linearFit(window.map((rec) => ln(rec.time)), window.map((rec) => ln(rec.risk))),
    riskPredicted,
    ratio,
    align,
    angle: linearFit(window.map((rec) => ln(rec.wNorm)), window.map((rec) => ln(rec.angle))),
  };
}

/** Tolerances of the alignment checks (absolute, on fitted log-log slopes). */
export const ALIGNMENT_TOLERANCES = {
  /** The rate law neglects O(ℓ^{−2/L}) layer imbalance and e^{−ℓ/2} transients: a few hundredths at ℓ ≈ 10–15. */
  risk: 0.05,
  /** 1 − ratio² = (bounded mass)/‖W‖²_F once the bounded mass has settled. */
  ratio: 0.1,
  /** One-sided: Davis–Kahan gives at least −2. */
  align: 0.15,
  /** ‖w_⊥‖ still drifts by a few per cent per decade of τ at the ends of the runs. */
  angle: 0.15,
  /** The GF invariants move in GD by O(η²‖∇‖²) per step, tiny once the risk is small. */
  invariant: 1e-3,
  /** quadprog's solution satisfies KKT to rounding. */
  kkt: 1e-9,
} as const;

/** Checks of an alignment experiment. */
export function alignmentChecks(r: R, data: AlignmentData): Check[] {
  const T = ALIGNMENT_TOLERANCES;
  const out: Check[] = [];
  const svm = data.runs[0]!.svm;
  out.push(closeCheck({
    provenance: "consistency",
    name: `hard-margin SVM direction by quadprog: KKT residual (n = ${svm.n}, d = ${svm.d}, ${svm.support.length} support vectors, γ = ${short(svm.margin)})`,
    claim: "docs/theory.md §9 (max-margin direction)",
    predicted: 0, measured: svm.kkt, tolerance: T.kkt,
    note: "largest of primal infeasibility, negative multipliers, ‖w − Σα_i y_i x_i‖/‖w‖ and max|α_i(y_i wᵀx_i − 1)|/max α",
  }));
  const win = `last ${r.fit.decades} decades of τ`;
  for (const run of data.runs) {
    const a = analyseRun(run, r.fit.decades);
    const first = run.records[0]!;
    const last = run.records[run.records.length - 1]!;
    const tag = run.label;
    const p = 2 - 2 / run.depth;
    out.push(closeCheck({
      provenance: "ji-telgarsky-2018",
      name: `risk → 0 at the rate of the aligned flow (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018) risk convergence",
      predicted: a.riskPredicted, measured: a.risk.slope, tolerance: T.risk,
      note: `slope of ln R against ln τ over the ${win} (τ = Σ η_t up to ${short(run.timeEnd)}); risk ${first.risk.toExponential(2)} → ${last.risk.toExponential(2)}. ` +
        `Predicted: dR/dτ = −cℓ^p R² with p = 2 − 2/L = ${short(p)} and ℓ = γ‖w‖ gives the slope −(1 + p/ℓ + p(p+1)/ℓ² + …), averaged over the window (ℓ ≈ ${short(run.svm.margin * a.window[0]!.wNorm, 3)}–${short(run.svm.margin * last.wNorm, 3)})`,
    }));
    for (let l = 0; l < run.depth - 1; l++) {
      const ratio = last.spectral[l]! / last.fro[l]!;
      out.push(closeCheck({
        provenance: "ji-telgarsky-2018",
        name: `‖W_${l + 1}‖₂/‖W_${l + 1}‖_F → 1: 1 − ratio² ∝ ‖W_${l + 1}‖_F^{−2} (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018) rank-one layers",
        predicted: -1, measured: a.ratio[l]!.slope, tolerance: T.ratio,
        note: `slope of ln(1 − ‖W‖₂²/‖W‖²_F) against ln ‖W‖²_F over the ${win}; final ratio ${short(ratio, 6)} at ‖W‖²_F = ${short(last.fro[l]! ** 2)}. ` +
          "Predicted: the GF invariants C_l = W_{l+1}ᵀW_{l+1} − W_lW_lᵀ bound ‖W_l‖²_F − ‖W_l‖₂² ≤ Σ_{j≥l}(λ_max(C_j) − tr C_j) while ‖W_l‖_F grows without bound",
      }));
      out.push(atLeastCheck({
        provenance: "ji-telgarsky-2018",
        name: `|v_${l + 2}ᵀu_${l + 1}| → 1 at least like ‖W_${l + 1}‖_F^{−4} (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018) layer alignment",
        predicted: 2, measured: -a.align[l]!.slope, tolerance: T.align,
        note: `decay exponent of 1 − |v_{l+1}ᵀu_l| in ‖W_l‖²_F (minus the fitted slope) over the ${win}; final alignment ${short(last.align[l]!, 8)}. ` +
          "Predicted: Davis–Kahan on W_{l+1}ᵀW_{l+1} = W_lW_lᵀ + C_l gives sin∠(v_{l+1}, u_l) ≤ 2‖C_l‖₂/(‖W_l‖₂² − σ₂(W_l)²), so 1 − |cos| = O(‖W_l‖_F^{−4}) (a lower bound on the exponent)",
      }));
    }
    out.push(closeCheck({
      provenance: "ji-telgarsky-2018",
      name: `predictor → max-margin direction: ∠(w, ŵ) ∝ 1/‖w‖ ∝ 1/ln τ (${tag})`, claim: "docs/theory.md §9; Ji & Telgarsky (2018), Soudry et al. (2018)",
      predicted: -1, measured: a.angle.slope, tolerance: T.angle,
      note: `slope of ln ∠(w, ŵ) against ln ‖w‖ over the ${win}; angle ${short((first.angle * 180) / Math.PI)}° → ${short((last.angle * 180) / Math.PI, 3)}°, ‖w‖ = ${short(last.wNorm)} ≈ ln(τ)/γ. ` +
        "Predicted: w = ŵ‖w‖ + w_⊥ with w_⊥ converging, so the angle falls like ‖w_⊥‖/‖w‖ (logistic: Ji & Telgarsky; exponential-tailed losses: Soudry et al.)",
    }));
    out.push(closeCheck({
      provenance: "ji-telgarsky-2018",
      name: `the gradient-flow invariants W_{l+1}ᵀW_{l+1} − W_lW_lᵀ hold in the late phase of GD (${tag})`, claim: "docs/theory.md §6, §9 (mechanism of the alignment)",
      predicted: 0, measured: run.invariantDriftWindow, tolerance: T.invariant,
      note: `largest relative change over the ${win}; from the initialisation it is ${short(run.invariantDriftInit, 3)} (the first large steps move it, then it freezes)`,
    }));
  }
  return out;
}
