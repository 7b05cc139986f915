/**
 * @file Series made chart-ready for uPlot: each series min/max-decimated by the figure library's own
 * decimator (src/plot/decimate.ts, the one the CLI's figures use, so period-2 oscillations stay a band
 * on screen as on paper) with buckets that match pixel columns on a linear or log x axis, then merged
 * onto one shared x array (uPlot's aligned layout), and a thinning of 2-D paths for the phase portrait.
 * DOM-free.
 */
import { decimateMinMax, pixelBuckets } from "../../src/plot/decimate.js";

/** One series to draw: x (non-decreasing) and y, the first `n` entries. */
export interface Trace {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  n: number;
}

/** Chart-ready data: the shared x, then one array per series (null = no value of that series there). */
export type Aligned = [number[], ...(number | null)[][]];

/**
 * Decimate every trace to ≤ 2 points per pixel bucket of [x0, x1] (log10 buckets when `logX`) and merge
 * them onto the union of their x values. Non-finite points, x ≤ 0 on a log x axis and y ≤ 0 where
 * `positiveOnly` (log y) are left out.
 */
export function alignTraces(traces: readonly Trace[], buckets: number, logX = false, positiveOnly: readonly boolean[] = []): Aligned {
  const t = logX ? Math.log10 : (v: number) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const tr of traces) {
    for (let i = 0; i < tr.n; i++) {
      const x = tr.x[i]!;
      if (Number.isFinite(x) && (!logX || x > 0)) (lo = Math.min(lo, x)), (hi = Math.max(hi, x));
    }
  }
  const parts = traces.map((tr, s) => {
    const keep = (i: number) => Number.isFinite(tr.x[i]!) && (!logX || tr.x[i]! > 0) && (!positiveOnly[s] || tr.y[i]! > 0);
    // Left-out points become NaN: the decimator treats them as gaps, and gaps are not drawn.
    const y = Float64Array.from({ length: tr.n }, (_, i) => (keep(i) ? tr.y[i]! : Number.NaN));
    const x = Float64Array.from({ length: tr.n }, (_, i) => (keep(i) ? tr.x[i]! : Number.NaN));
    if (!(hi > lo)) return decimateMinMax(x, y, () => 0);
    return decimateMinMax(x, y, pixelBuckets(x, t, [lo, hi], Math.max(1, buckets)));
  });
  // k-way merge onto the sorted union of x values.
  const xs: number[] = [];
  for (const p of parts) for (let i = 0; i < p.x.length; i++) if (Number.isFinite(p.x[i]!)) xs.push(p.x[i]!);
  xs.sort((a, b) => a - b);
  const ux: number[] = [];
  for (const v of xs) if (ux.length === 0 || ux[ux.length - 1] !== v) ux.push(v);
  const cols = parts.map((p) => {
    const col = new Array<number | null>(ux.length).fill(null);
    let j = 0;
    for (let i = 0; i < p.x.length; i++) {
      const x = p.x[i]!;
      if (!Number.isFinite(x)) continue;
      while (ux[j]! < x) j++;
      col[j] = p.y[i]!;
    }
    return col;
  });
  return [ux, ...cols];
}

/**
 * Thin a 2-D path for drawing: drop a point whose pixel cell (size `cell` in data units per axis)
 * equals one of the last `memory` kept cells. A period-2 orbit bouncing between two cells keeps
 * both cells once instead of thousands of times; the last point is always kept.
 */
export function thinPath(x: ArrayLike<number>, y: ArrayLike<number>, n: number, cellX: number, cellY: number, memory = 4): { x: number[]; y: number[] } {
  const ox: number[] = [];
  const oy: number[] = [];
  // Ring of the last kept cells (integer cell indices; no per-point allocation).
  const cx = new Float64Array(memory).fill(Number.NaN);
  const cy = new Float64Array(memory).fill(Number.NaN);
  let head = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    if (!Number.isFinite(xi) || !Number.isFinite(yi)) continue;
    const a = Math.floor(xi / cellX);
    const b = Math.floor(yi / cellY);
    let seen = false;
    for (let j = 0; j < memory; j++) if (cx[j] === a && cy[j] === b) seen = true;
    if (seen && i !== n - 1) continue;
    ox.push(xi);
    oy.push(yi);
    cx[head] = a;
    cy[head] = b;
    head = (head + 1) % memory;
  }
  return { x: ox, y: oy };
}
