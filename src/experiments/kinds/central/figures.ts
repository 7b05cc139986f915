/**
 * @file Figures of a `central` experiment: per case, GD's two-step-averaged mode coefficients (solid)
 * against the central flow's (dashed), and the sharpness of both against 2/η; for reduced cases also
 * GD's squared oscillation amplitude along the top eigenvector against the flow's x.
 */
import { lineChart, modeDash, panelGrid, pathwayColor, type Series } from "../../../plot/index.js";
import type { CentralConfig, CentralData } from "./kind.js";
import { caseMetrics } from "./kind.js";
import { short } from "../../common.js";
import type { Resolved } from "../../types.js";
import { INK, PANEL, THEORY, type Figure } from "../../figures/panels.js";

type R = Resolved<CentralConfig>;

const pts = (step: readonly number[], y: readonly (number | null)[]) => {
  const keep = y.map((v, j) => (v !== null && Number.isFinite(v) ? j : -1)).filter((j) => j >= 0);
  return { x: keep.map((j) => step[j]!), y: keep.map((j) => y[j]!) };
};

/** All figures of a central experiment: one row of panels per case. */
export function centralFigures(r: R, data: CentralData): Figure[] {
  const panels: string[] = [];
  data.cases.forEach((c, n) => {
    const m = caseMetrics(c);
    const K = c.depths.length;
    const modes = c.sigma.filter((s) => s > 0).length > 1 ? [0, 1, 2].filter((i) => i < c.sigma.length) : [0];
    const series: Series[] = [];
    for (const [j, i] of modes.entries()) {
      for (let k = 0; k < K; k++) {
        series.push({ name: `GD, pathway ${k + 1}, mode ${i + 1}`, points: pts(c.gd.step, c.gd.s.map((s) => s[k]![i]!)), color: pathwayColor(k), dash: modeDash(j), legend: false });
        series.push({ name: `flow, pathway ${k + 1}, mode ${i + 1}`, points: pts(c.flow.step, c.flow.s.map((s) => s[k]![i]!)), color: pathwayColor(k), dash: "2,2", strokeWidth: 2.5, opacity: 0.6, legend: false });
      }
    }
    const sub = `η = ${c.lr}; end split error ${short(m.endSplit, 2)}; duration GD ${m.durationGd === null ? "–" : short(m.durationGd, 3)} vs flow ${m.durationFlow === null ? "–" : short(m.durationFlow, 3)} steps`;
    panels.push(lineChart({
      id: `central-s-${n}`, title: `${c.label}: mode coefficients`, subtitle: sub, width: PANEL.width, height: PANEL.height,
      x: { label: "GD step t" }, y: { label: "mode coefficient s_{k,i} (units of σ_1)" }, series,
      legend: {
        entries: [
          ...c.depths.map((L, k) => ({ label: `pathway ${k + 1} (L=${L})`, color: pathwayColor(k) })),
          { label: "GD, two-step average", color: INK },
          { label: "central flow", color: INK, dash: "2,2" },
        ],
      },
    }));
    const sharp: Series[] = [
      { name: "GD λ_max", points: pts(c.gd.step, c.gd.sharpness), color: INK, opacity: 0.7 },
      { name: "central flow S", points: pts(c.flow.step, c.flow.sharpness), color: "#b2182b", dash: "2,2", strokeWidth: 2 },
    ];
    panels.push(lineChart({
      id: `central-sharp-${n}`, title: `${c.label}: sharpness`, subtitle: `GD's final λ_max·η/2 = ${c.gdFinalRatio === null ? "–" : short(c.gdFinalRatio, 4)}`,
      width: PANEL.width, height: PANEL.height, x: { label: "GD step t" }, y: { label: "top Hessian eigenvalue (1/step-size units)" }, series: sharp,
      rules: [{ y: 2 / c.lr, label: "2/η", color: THEORY, dash: "5,3", legend: "2/η (edge of stability)" }],
    }));
    const hasAmp = c.gd.x.some((v) => v !== null);
    if (hasAmp) {
      panels.push(lineChart({
        id: `central-x-${n}`, title: `${c.label}: squared oscillation amplitude`, subtitle: "GD along the top eigenvector vs the flow's x",
        width: PANEL.width, height: PANEL.height, x: { label: "GD step t" }, y: { label: "squared amplitude (parameter units²)", type: "log" },
        series: [
          { name: "GD (half two-step difference)²", points: pts(c.gd.step, c.gd.x.map((v) => (v !== null && v > 0 ? v : null))), color: INK, opacity: 0.7 },
          { name: "central flow x", points: pts(c.flow.step, c.flow.x.map((v) => (v !== null && v > 0 ? v : null))), color: "#b2182b", dash: "2,2", strokeWidth: 2 },
        ],
      }));
    }
  });
  return [{
    name: "central-flow",
    title: `${r.figure}: GD and its central flow`,
    caption: "Each row is one case. Left: GD's mode coefficients averaged over two steps (solid, colour = pathway, dash = mode) and the " +
      "central flow's (dotted). Middle: GD's sharpness and the flow's S against 2/η. Right (reduced cases): GD's squared half two-step " +
      "difference along the top eigenvector of the mode-1 block against the flow's predicted x, on a log axis.",
    svg: panelGrid(panels, { columns: 3, title: r.title }),
  }];
}
