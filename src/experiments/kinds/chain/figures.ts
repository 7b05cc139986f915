/**
 * @file Figures of a `chain` experiment (paper Fig. 5): iterates of the deep chain from its worst
 * overshooting start just below and just above c_L, the worst overshoot's next iterate as a function of
 * h/c_L (crossing 0 exactly at 1 for every depth), and c_L against depth with the classical bound h = 2.
 */
import { lineChart, panelGrid } from "../../../plot/index.js";
import type { Series } from "../../../plot/index.js";
import { wcrConstant } from "../../../theory/index.js";
import { short } from "../../common.js";
import type { ChainConfig, ChainData } from "./kind.js";
import type { Resolved } from "../../types.js";
import { INK, PANEL, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<ChainConfig>;

/** Greys-to-black ramp for depths (depth is not a pathway, so the pathway colours are not used). */
function depthColor(j: number, n: number): string {
  const ramp = ["#fdae61", "#f46d43", "#d73027", "#a50026", "#74add1", "#4575b4", "#313695"];
  return n <= ramp.length ? ramp[Math.round((j * (ramp.length - 1)) / Math.max(1, n - 1))]! : ramp[j % ramp.length]!;
}

/** All figures of a chain experiment. */
export function chainFigures(r: R, data: ChainData): Figure[] {
  const n = data.depths.length;
  const shown = data.depths.filter((_, j) => j === 0 || j === n - 1 || j === Math.floor(n / 2));
  const orbits: Series[] = [];
  for (const d of shown) {
    const j = data.depths.indexOf(d);
    const c = depthColor(j, n);
    orbits.push({ name: `L = ${d.L}, h = c_L(1 − ${r.epsilon})`, points: d.below.z.map((y, t) => ({ x: t, y })), color: c, marker: true });
    orbits.push({ name: `L = ${d.L}, h = c_L(1 + ${r.epsilon})`, points: d.above.z.map((y, t) => ({ x: t, y })), color: c, dash: "5,3", marker: true });
  }
  const orbitPanel = lineChart({
    id: "chain-orbits",
    title: "Iterates from the worst overshooting start",
    subtitle: "solid: just below c_L (returns into (0, 1)); dashed: just above (crosses 0)",
    width: PANEL.width + 60,
    height: PANEL.height + 40,
    x: { label: "GD step t" },
    y: { label: "z_t = x_t / x^* (normalised chain)", domain: [-0.6, 1.6] },
    series: orbits,
    rules: [
      { y: 1, label: "fixed point 1", color: THEORY, dash: "2,3" },
      { y: 0, label: "0 (sign flip)", color: "#b2182b", dash: "4,3" },
    ],
  });
  const edge: Series[] = data.depths.map((d, j) => ({
    name: `L = ${d.L}`, points: { x: d.edge.ratio, y: d.edge.z2 }, color: depthColor(j, n),
  }));
  const edgePanel = lineChart({
    id: "chain-edge",
    title: "The knife edge: worst return vs h/c_L",
    subtitle: "image of the worst overshoot after one more step; positive = returns",
    width: PANEL.width,
    height: PANEL.height + 40,
    x: { label: "h / c_L (step relative to the WCR constant)" },
    y: { label: "z_2 = g_h(M(h))" },
    series: edge,
    rules: [{ x: 1, label: "h = c_L", color: THEORY, dash: "4,3" }, { y: 0, label: "0", color: "#b2182b", dash: "4,3" }],
  });
  const Ls = data.depths.map((d) => d.L);
  const Lmax = Math.max(...Ls);
  const dense: number[] = [];
  for (let L = 2; L <= Lmax; L = L < 10 ? L + 1 : Math.ceil(L * 1.15)) dense.push(L);
  if (dense[dense.length - 1] !== Lmax) dense.push(Lmax);
  const cPanel = lineChart({
    id: "chain-cl",
    title: "c_L grows with depth",
    subtitle: "measured knife edge (dots) vs the boundary system of App. F (line)",
    width: PANEL.width,
    height: PANEL.height + 40,
    x: { label: "depth L", type: "log" },
    y: { label: "normalised step h = η·λ_single", domain: [0, Math.ceil(Math.max(...data.depths.map((d) => d.measured)) + 1)] },
    series: [
      { name: "c_L (theory)", points: dense.map((L) => ({ x: L, y: wcrConstant(L) })), color: THEORY },
      { name: "measured knife edge", points: data.depths.map((d) => ({ x: d.L, y: d.measured })), color: INK, line: false, marker: true },
    ],
    rules: [
      { y: 2, label: "h = 2 (linear stability)", color: "#b2182b", dash: "6,3" },
      { y: 1, label: "h = 1 (overshoot onset)", color: THEORY, dash: "2,3" },
    ],
    legend: { position: "bottom-right" },
  });
  return [{
    name: "knife-edge",
    title: `${r.figure}: the deep-chain knife edge`,
    caption: `Left: the normalised deep chain z ← z − (h/L)(z^L − 1)z^{L−1} from its worst overshooting start, for L = ${shown.map((d) => d.L).join(", ")}, ` +
      `at h = c_L(1 ∓ ${r.epsilon}). Middle: the worst overshoot's next iterate against h/c_L for every depth; it crosses 0 at h = c_L. ` +
      `Right: c_L against depth (log axis), the measured knife edges (${data.depths.map((d) => `${d.L}: ${short(d.measured, 6)}`).join(", ")}) on the theory curve, above the classical bound h = 2.`,
    svg: panelGrid([orbitPanel, edgePanel, cPanel], { columns: 3, title: r.title }),
  }];
}
