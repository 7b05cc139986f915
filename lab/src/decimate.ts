/**
 * @file Min/max decimation of series that share one x array (uPlot's data layout), for live plots:
 * each of `buckets` equal x-intervals keeps at most two x values (its first and last point) and, per
 * series, its smallest and largest y in the order they occurred. A period-2 oscillation (the
 * sign-alternating residual at the Edge of Stability) therefore stays a visible band instead of being
 * aliased into a smooth line. Cost O(n·series) per call, output ≤ 2·buckets points. DOM-free.
 */

/** Decimated, chart-ready data: x, then one array per series (null = no value there). */
export type Aligned = [number[], ...(number | null)[][]];

/**
 * Decimate `ys` (same length as `x`, x non-decreasing) to ~2 points per bucket. Non-finite y values,
 * and y ≤ 0 when `positiveOnly` (log axes), are treated as missing. Returns the input unchanged in
 * shape (just copied) when it already has ≤ 2·buckets points.
 */
export function decimateAligned(
  x: ArrayLike<number>, ys: readonly ArrayLike<number>[], n: number, buckets: number, positiveOnly: readonly boolean[] = [],
): Aligned {
  const ok = (s: number, v: number) => Number.isFinite(v) && (!positiveOnly[s] || v > 0);
  const outX: number[] = [];
  const outY: (number | null)[][] = ys.map(() => []);
  if (n <= 2 * Math.max(1, buckets)) {
    for (let i = 0; i < n; i++) {
      outX.push(x[i]!);
      ys.forEach((y, s) => outY[s]!.push(ok(s, y[i]!) ? y[i]! : null));
    }
    return [outX, ...outY];
  }
  const x0 = x[0]!;
  const span = x[n - 1]! - x0 || 1;
  const S = ys.length;
  const lo = new Int32Array(S);
  const hi = new Int32Array(S);
  let start = 0;
  while (start < n) {
    const b = Math.min(buckets - 1, Math.floor(((x[start]! - x0) / span) * buckets));
    let end = start + 1;
    while (end < n && Math.min(buckets - 1, Math.floor(((x[end]! - x0) / span) * buckets)) === b) end++;
    // Points start … end−1 form bucket b: find each series' min and max index among valid values.
    lo.fill(-1);
    hi.fill(-1);
    for (let s = 0; s < S; s++) {
      const y = ys[s]!;
      for (let i = start; i < end; i++) {
        const v = y[i]!;
        if (!ok(s, v)) continue;
        if (lo[s]! < 0 || v < y[lo[s]!]!) lo[s] = i;
        if (hi[s]! < 0 || v > y[hi[s]!]!) hi[s] = i;
      }
    }
    const two = end - start > 1;
    outX.push(x[start]!);
    if (two) outX.push(x[end - 1]!);
    for (let s = 0; s < S; s++) {
      const y = ys[s]!;
      const col = outY[s]!;
      if (lo[s]! < 0) {
        col.push(null);
        if (two) col.push(null);
        continue;
      }
      // Min and max in order of occurrence, so the drawn zigzag runs the way the data did.
      const first = Math.min(lo[s]!, hi[s]!);
      const second = Math.max(lo[s]!, hi[s]!);
      col.push(y[first]!);
      if (two) col.push(y[second]!);
    }
    start = end;
  }
  return [outX, ...outY];
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
