/**
 * @file Axis domains, tick positions and tick labels for linear, log and symlog axes. Computing them
 * here (rather than leaving them to Observable Plot) lets the chart size its margins from the labels,
 * keeps every tick inside the frame and gives log axes readable `10⁻⁵`-style labels.
 */

/** Kind of a numeric axis. */
export type ScaleType = "linear" | "log" | "symlog";

/** A resolved axis: the domain it spans, its ticks and the label of each tick. */
export interface AxisTicks {
  domain: [number, number];
  ticks: number[];
  labels: string[];
}

const SUPERSCRIPT: Record<string, string> = {
  "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
};
const MINUS = "\u2212";

/** `10ᵏ` with Unicode superscripts, e.g. powerOfTen(-5) = "10⁻⁵". */
export function powerOfTen(k: number): string {
  return "10" + String(k).replace(/./g, (c) => SUPERSCRIPT[c] ?? c);
}

/** A typographic minus (U+2212) instead of the hyphen JavaScript prints. */
function minus(s: string): string {
  return s.startsWith("-") ? MINUS + s.slice(1) : s;
}

/** Step between d3-style "nice" ticks: 1, 2 or 5 × 10ᵏ, giving about `count` ticks over [a, b]. */
export function tickStep(a: number, b: number, count: number): number {
  const raw = Math.abs(b - a) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  let step = 10 ** Math.floor(Math.log10(raw));
  const err = raw / step;
  if (err >= Math.sqrt(50)) step *= 10;
  else if (err >= Math.sqrt(10)) step *= 5;
  else if (err >= Math.sqrt(2)) step *= 2;
  return step;
}

/** Decimals needed to print multiples of `step` exactly (step is 1, 2 or 5 × 10ᵏ). */
function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** `m×10ᵏ` for tiny values, with m printed as briefly as possible. */
function scientific(v: number): string {
  if (v === 0) return "0";
  const k = Math.floor(Math.log10(Math.abs(v)) + 1e-9);
  const m = Number((v / 10 ** k).toPrecision(3));
  return m === 1 ? powerOfTen(k) : m === -1 ? MINUS + powerOfTen(k) : `${minus(String(m))}×${powerOfTen(k)}`;
}

/** Tick labels for evenly spaced values: plain decimals, `20k`/`1.5M` for large, `2×10⁻⁴` for tiny. */
export function formatLinearTicks(ticks: number[], step: number): string[] {
  const maxAbs = Math.max(0, ...ticks.map(Math.abs));
  if (maxAbs >= 1e4 && step >= 1000) {
    const [div, suffix] = maxAbs >= 1e7 && step >= 1e6 ? [1e6, "M"] : [1e3, "k"];
    const dec = decimalsOf(step / div);
    return ticks.map((v) => (v === 0 ? "0" : minus((v / div).toFixed(dec)) + suffix));
  }
  if (step < 1e-3 || maxAbs >= 1e7) return ticks.map(scientific);
  const dec = decimalsOf(step);
  return ticks.map((v) => minus((v === 0 ? 0 : v).toFixed(dec)));
}

/**
 * Linear axis over [min, max] with about `count` ticks; `nice` widens the domain to whole tick steps,
 * but only on a side where that adds at most `maxPad` × the span (default: always). A degenerate
 * range is widened by ±1 (or ±10 % of the value) so that a flat series is still drawn.
 */
export function linearTicks(min: number, max: number, count: number, nice: boolean, maxPad = Infinity): AxisTicks {
  let [a, b] = min <= max ? [min, max] : [max, min];
  if (a === b) {
    const pad = a === 0 ? 1 : Math.abs(a) * 0.1;
    a -= pad;
    b += pad;
  }
  let step = tickStep(a, b, count);
  if (nice) {
    const span = b - a;
    for (let pass = 0; pass < 2; pass++) {
      const a1 = Math.floor(a / step + 1e-9) * step;
      const b1 = Math.ceil(b / step - 1e-9) * step;
      if (a - a1 <= maxPad * span) a = a1;
      if (b1 - b <= maxPad * span) b = b1;
      step = tickStep(a, b, count);
    }
  }
  const dec = decimalsOf(step);
  const ticks: number[] = [];
  for (let k = Math.ceil(a / step - 1e-9); k * step <= b + step * 1e-9; k++) ticks.push(Number((k * step).toFixed(dec)));
  return { domain: [a, b], ticks, labels: formatLinearTicks(ticks, step) };
}

/** Shortest plain label of a 1-2-5 log tick: "0.02", "5", "200", or `m×10ᵏ` when that is shorter. */
function formatLogMinor(v: number): string {
  const k = Math.floor(Math.log10(v) + 1e-9);
  if (k >= -3 && k <= 4) return String(Number(v.toPrecision(3)));
  return scientific(v);
}

/**
 * Log axis over positive [min, max] with at most `maxCount` labelled ticks. Spans of 1.5 decades or
 * more snap to whole decades and label powers of ten (every n-th decade if crowded, n dividing the
 * exponents so that 10⁰ stays a tick); shorter spans get 1-2-5 ticks with plain labels.
 */
export function logTicks(min: number, max: number, maxCount: number, nice = true): AxisTicks {
  let [a, b] = min <= max ? [min, max] : [max, min];
  if (!(a > 0)) a = b > 0 ? b / 10 : 1;
  if (!(b > 0)) b = a * 10;
  if (a === b) {
    a /= 2;
    b *= 2;
  }
  const e0 = Math.floor(Math.log10(a) + 1e-9);
  const e1 = Math.ceil(Math.log10(b) - 1e-9);
  if (Math.log10(b / a) >= 1.5) {
    const domain: [number, number] = nice ? [Number(`1e${e0}`), Number(`1e${e1}`)] : [a, b];
    const lo = Math.ceil(Math.log10(domain[0]) - 1e-9);
    const hi = Math.floor(Math.log10(domain[1]) + 1e-9);
    // Smallest stride that fits, or a slightly larger one that also labels both ends of the axis.
    const minStride = Math.max(1, Math.ceil((hi - lo) / Math.max(1, maxCount - 1)));
    const stride = [minStride, minStride + 1, minStride + 2].find((st) => lo % st === 0 && hi % st === 0) ?? minStride;
    const ticks: number[] = [];
    const labels: string[] = [];
    for (let k = Math.ceil(lo / stride) * stride; k <= hi; k += stride) {
      ticks.push(Number(`1e${k}`));
      labels.push(powerOfTen(k));
    }
    return { domain, ticks, labels };
  }
  // Less than two decades: pad a little in log space so extreme values do not sit on the frame.
  const pad = nice ? (Math.log10(b) - Math.log10(a)) * 0.04 : 0;
  const domain: [number, number] = [a / 10 ** pad, b * 10 ** pad];
  for (const mantissas of [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let k = e0 - 1; k <= e1; k++)
      for (const m of mantissas) {
        const v = Number(`${m}e${k}`);
        if (v >= domain[0] * (1 - 1e-12) && v <= domain[1] * (1 + 1e-12)) ticks.push(v);
      }
    if (ticks.length >= 3 || mantissas.length === 9) {
      let keep = ticks;
      if (keep.length > maxCount) {
        const decades = keep.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
        if (decades.length >= 2) keep = decades;
      }
      return { domain, ticks: keep, labels: keep.map(formatLogMinor) };
    }
  }
  return { domain, ticks: [], labels: [] };
}

/**
 * Symlog axis, y ↦ sign(y)·log(1 + |y|/c): ticks at 0 and ±10ᵏ for 10ᵏ ≥ c, thinned to about
 * `maxCount`. The domain is the data range, snapped outwards to the next power of ten beyond c.
 */
export function symlogTicks(min: number, max: number, constant: number, maxCount: number, nice = true): AxisTicks {
  let [a, b] = min <= max ? [min, max] : [max, min];
  if (a === b) {
    a -= constant;
    b += constant;
  }
  const snap = (v: number): number =>
    Math.abs(v) <= constant ? v : Math.sign(v) * 10 ** Math.ceil(Math.log10(Math.abs(v)) - 1e-9);
  const domain: [number, number] = nice ? [snap(a), snap(b)] : [a, b];
  const kMin = Math.ceil(Math.log10(constant) - 1e-9);
  const kMax = Math.floor(Math.log10(Math.max(Math.abs(domain[0]), Math.abs(domain[1]))) + 1e-9);
  const powers: number[] = [];
  for (let k = kMin; k <= kMax; k++) powers.push(k);
  const sides = (domain[0] < 0 ? 1 : 0) + (domain[1] > 0 ? 1 : 0);
  const stride = Math.max(1, Math.ceil((powers.length * sides) / Math.max(1, maxCount - 1)));
  const ticks: number[] = [];
  const labels: string[] = [];
  const push = (v: number, label: string): void => {
    if (v >= domain[0] - 1e-12 && v <= domain[1] + 1e-12) {
      ticks.push(v);
      labels.push(label);
    }
  };
  for (const k of powers.filter((k) => k % stride === 0).reverse()) push(-Number(`1e${k}`), MINUS + powerOfTen(k));
  push(0, "0");
  for (const k of powers.filter((k) => k % stride === 0)) push(Number(`1e${k}`), powerOfTen(k));
  return { domain, ticks, labels };
}
