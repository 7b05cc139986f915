/**
 * @file The glossary: every term the page uses (SVS, η_WCR, c_L, leaf, λ_single, λ_bal, EoS, …) with a
 * one-sentence definition (docs/theory.md), shown on hover and to screen readers as an `<abbr title>`
 * around the term wherever it appears in the page's static text, labels and legends.
 */

/** Term → definition. Longer terms first where one contains another (the matcher prefers the longest). */
export const GLOSSARY: Readonly<Record<string, string>> = {
  "Edge of Stability": "Edge of Stability (EoS): GD with step η keeps the sharpness hovering at 2/η, oscillating with period 2 instead of converging monotonically.",
  EoS: "Edge of Stability: GD with step η keeps the sharpness hovering at 2/η, oscillating with period 2 instead of converging monotonically.",
  SVS: "Spectral (singular-vector-shared) initialisation: every layer of pathway k starts as α_k^{1/L_k} times the target's singular vectors, so each mode evolves independently and exactly as a few scalars.",
  η_WCR: "Worst-case-return ceiling c_L/λ_single: above it an overshoot may flip the dominant pathway's sign, and the theory's two-step return is not guaranteed (docs/theory.md §5).",
  c_L: "The constant of the worst-case-return ceiling for depth L: the largest normalised step h at which the two-step return map still brings the dominant pathway back (c_2 = 3√3 − 2; docs/theory.md §5.4).",
  "GF leaf": "Gradient-flow leaf: the curve of allocations that gradient flow can reach from the initialisation; it conserves the differences of the leaf coordinates z_k (docs/theory.md §6).",
  leaf: "Gradient-flow leaf: the curve of allocations that gradient flow can reach from the initialisation; it conserves the differences of the leaf coordinates z_k (docs/theory.md §6).",
  λ_single: "Sharpness of the winner-takes-all minimum (one pathway carries the whole mode): L·σ^{2−2/L} for depth L. GD cannot stay there once η > 2/λ_single.",
  λ_bal: "Sharpness of the flattest (balanced) zero-loss allocation s*. Above η = 2/λ_bal no SVS minimum is stable.",
  λ_max: "Sharpness: the largest eigenvalue of the Hessian of the loss at the current weights.",
  sharpness: "The largest eigenvalue λ_max of the loss Hessian. GD with step η is stable near a minimum only if λ_max ≤ 2/η.",
  "2/η": "The stability threshold of GD with step η: a minimum whose sharpness exceeds 2/η repels GD.",
  "winner-takes-all": "One pathway (the one with the largest init, or the deepest) ends up carrying nearly the whole mode, as under gradient flow.",
  "re-balancing window": "Step sizes 2/λ_single < η < min(2/λ_bal, η_WCR): GD leaves the winner-takes-all minimum and moves signal to the other pathways.",
  "flattest allocation": "The zero-loss split s* of a mode over the pathways with the smallest sharpness: the balanced point (docs/theory.md §3).",
  "balance index": "(Σ_k s_k)² / (K Σ_k s_k²): 1 when the K pathways share a mode equally, 1/K when one pathway has it all.",
  "gradient flow": "The η → 0 limit of GD, an ODE: it never feels the step size and ends winner-takes-all.",
  "predicted stop": "Where the theory says re-balancing ends: the first allocation along the path whose sharpness is 2/η (docs/theory.md §4.5).",
  "stopping point": "Where the theory says re-balancing ends: the first allocation along the path whose sharpness is 2/η (docs/theory.md §4.5).",
  pathway: "One of the K parallel deep linear chains W_{k,L_k}⋯W_{k,1}; the network's output is their sum.",
  mode: "One singular direction of the target Y = U diag(σ) Vᵀ; with an SVS init each mode evolves on its own.",
};

const TERMS = Object.keys(GLOSSARY).sort((a, b) => b.length - a.length);
const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** A term not inside a longer word (letters, digits and _ on either side). */
const PATTERN = new RegExp(`(?<![\\p{L}\\p{N}_])(${TERMS.map(escape).join("|")})(?![\\p{L}\\p{N}_])`, "u");

/** Elements whose text gets glossary terms (static text the page does not rewrite). */
const SCOPES = ".tagline, #explainer li, .facts dt, .field label, fieldset legend, summary, .plots-head .hint, .legend li span, figcaption .title";

/** Wrap the first occurrence of each term in each scoped element of `root` in `<abbr class="term" title=…>`. */
export function applyGlossary(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>(SCOPES)) wrapTerms(el);
}

/** Wrap terms in the text nodes of one element (each term once per element). */
export function wrapTerms(el: HTMLElement): void {
  const seen = new Set<string>();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!(n.parentElement?.closest("abbr, button, select, option, input"))) nodes.push(n as Text);
  }
  for (let node of nodes) {
    for (;;) {
      const m = PATTERN.exec(node.data);
      if (!m) break;
      const term = m[1]!;
      const start = m.index;
      if (seen.has(term)) {
        // Already explained in this element: look further along only.
        const rest = node.splitText(start + term.length);
        node = rest;
        continue;
      }
      seen.add(term);
      const mid = node.splitText(start);
      const after = mid.splitText(term.length);
      const abbr = document.createElement("abbr");
      abbr.className = "term";
      abbr.title = GLOSSARY[term]!;
      abbr.textContent = term;
      mid.replaceWith(abbr);
      node = after;
    }
  }
}
