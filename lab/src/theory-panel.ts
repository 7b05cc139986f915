/**
 * @file The theory panel: the regime of the chosen step for the top mode, the step-size thresholds
 * (2/λ_single, 2/λ_bal, η_WCR), the flattest allocation, the gradient-flow end point, the predicted
 * stopping point and the modes that re-balance (docs/theory.md §3–§6), all from src/theory.
 */
import { byId, show } from "./dom.js";
import { fmt, fmtPoint } from "./format.js";
import type { TheorySummary } from "./regime.js";
import type { Session } from "./session.js";
import { modelOf } from "./state.js";

/** Explanations of the regimes (docs/theory.md §4–§5). */
const REGIME_DETAILS: Readonly<Record<TheorySummary["regime"], string>> = {
  flow: "Gradient flow conserves the pathways' leaf coordinates: it ends at the gradient-flow end point, one pathway carrying nearly all of the mode.",
  "winner-takes-all": "The single-path minimum is stable: GD behaves like gradient flow and the pathway with the largest init takes nearly the whole mode.",
  rebalancing: "First winner-takes-all as in gradient flow; then the sharpness passes 2/η, GD enters the Edge of Stability and moves signal to the other pathways until λ ≤ 2/η.",
  "above-wcr": "Overshoots may carry the dominant pathway through zero, so the two-step return of docs/theory.md §5 no longer holds: the prediction is not guaranteed.",
  "above-balanced": "Even the flattest zero-loss allocation has λ > 2/η: expect a persistent period-2 oscillation around the balanced point, or divergence.",
};

/** Ids of the panel's value cells. */
const CELLS = ["t-eta-single", "t-eta-bal", "t-eta-wcr", "t-eta", "t-optimum", "t-gf", "t-stop", "t-rank"];

/** Render the session's theory into the panel. */
export function renderTheory(session: Session): void {
  const t = session.theory;
  const regime = byId("regime");
  if (!t) {
    show(regime, `theory not available: ${session.theoryError}`);
    regime.dataset.regime = "";
    byId("regime-detail").textContent = "";
    for (const id of CELLS) show(byId(id), "–");
    byId("eta-scale").replaceChildren();
    return;
  }
  const w = t.window;
  const texts = session.texts();
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
  renderEtaScale(t, lr);
}

/** A number line of step sizes with the thresholds and the chosen η (decorative; the list has the numbers). */
function renderEtaScale(t: TheorySummary, lr: number): void {
  const w = t.window;
  const max = Math.max(w.etaWcr, w.etaBalanced, lr) * 1.1;
  const pct = (x: number) => `${Math.min(100, (100 * x) / max).toFixed(2)}%`;
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
  byId("eta-scale").replaceChildren(...children);
}
