/**
 * @file The run readout: progress, the engine's step rate, the values at the last record and the mode
 * coefficients per pathway, with exact values in data-value attributes (for copy-paste and tests).
 */
import { byId, show } from "./dom.js";
import { fmt, fmtInt } from "./format.js";
import type { Runner } from "./runner.js";

/** Render the runner's progress, rate and values; `maxFrameGap` is the longest frame gap of the run (ms). */
export function renderReadout(r: Runner, plannedSteps: number, maxFrameGap: number): void {
  const steps = r.spec?.steps ?? plannedSteps;
  const last = r.data?.last;
  // Steps taken, also between records (a long stretch without a record still moves the bar).
  const done = Math.max(last?.step ?? 0, r.timing.steps);
  const progress = byId<HTMLProgressElement>("progress");
  progress.max = Math.max(1, steps);
  progress.value = done;
  show(byId("progress-text"), r.spec ? `step ${fmtInt(done)} / ${fmtInt(steps)}` : "–");
  const rate = byId("rate");
  if (r.timing.steps > 0 && r.timing.engineSeconds > 0) {
    const sps = r.timing.steps / r.timing.engineSeconds;
    const kernels = r.timing.backend === "scalar" ? "scalar reduced steps" : `${r.timing.backend} kernels`;
    show(rate, `${fmtInt(sps)} steps/s in the engine (${kernels}, Web Worker) · ${fmtInt(r.timing.steps)} steps in ${fmt(r.timing.wallSeconds, 3)} s · longest frame ${fmtInt(maxFrameGap)} ms`, sps);
    rate.dataset.wallSeconds = String(r.timing.wallSeconds);
    rate.dataset.maxFrameMs = String(maxFrameGap);
    rate.dataset.backend = r.timing.backend;
  } else {
    show(rate, r.backend ? `– steps/s (kernels: ${r.backend})` : "– steps/s");
  }
  renderValues(r);
}

function renderValues(r: Runner): void {
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
  const flow = spec.dynamics === "flow";
  const rows: [string, string, string, number | null][] = [
    ["v-step", "step", fmtInt(last.step), last.step],
    ["v-loss", "loss ½‖F − Y‖²", fmt(last.loss), last.loss],
    ["v-sharpness", "sharpness λ_max (last measured)", fmt(lam), lam],
    ["v-threshold", "stability threshold 2/η", flow ? "–" : fmt(2 / last.lr), flow ? null : 2 / last.lr],
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
  const cell = (tag: "th" | "td", text: string, value?: number | null, id?: string) => {
    const c = document.createElement(tag);
    if (tag === "th") (c as HTMLTableCellElement).scope = "col";
    if (id) c.id = id;
    show(c, text, value);
    return c;
  };
  const head = document.createElement("tr");
  head.append(cell("th", "mode i"), ...spec.depths.map((L, k) => cell("th", `s_${k + 1},i (L=${L})`)), cell("th", "balance index"));
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
