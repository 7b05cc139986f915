/**
 * @file Min/max decimation of a long series for drawing. Every bucket keeps its smallest and largest
 * value (in their original order), so a period-2 oscillation — the sign-alternating residual of
 * Edge-of-Stability dynamics — is drawn as a band instead of being aliased into a smooth line.
 */

/** A series as parallel coordinate arrays; NaN in y marks a gap. */
export interface XY {
  x: Float64Array;
  y: Float64Array;
}

/**
 * Keep the min and max of y in each bucket, where a bucket is a maximal run of consecutive points with
 * the same `bucketOf(i)` (e.g. the pixel column of x). A non-finite y (or a non-finite bucket key)
 * splits the run: each finite piece keeps its own min and max, and one NaN between pieces keeps the gap.
 * Every output y is an input y, and the output never has more points than the input.
 */
export function decimateMinMax(x: ArrayLike<number>, y: ArrayLike<number>, bucketOf: (i: number) => number): XY {
  const n = Math.min(x.length, y.length);
  const ox = new Float64Array(n);
  const oy = new Float64Array(n);
  let m = 0;
  let lastWasGap = true; // no leading NaN: a gap only matters between drawn points
  let lo = -1; // index of the current piece's min, −1 when the piece is empty
  let hi = -1;
  let key = Number.NaN;

  const flush = (): void => {
    if (lo < 0) return;
    const first = Math.min(lo, hi);
    const second = Math.max(lo, hi);
    ox[m] = x[first]!;
    oy[m++] = y[first]!;
    if (second !== first) {
      ox[m] = x[second]!;
      oy[m++] = y[second]!;
    }
    lo = hi = -1;
    lastWasGap = false;
  };
  const gap = (): void => {
    flush();
    if (!lastWasGap) {
      ox[m] = Number.NaN;
      oy[m++] = Number.NaN;
      lastWasGap = true;
    }
  };

  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    const k = bucketOf(i);
    if (!Number.isFinite(yi) || !Number.isFinite(x[i]!) || !Number.isFinite(k)) {
      gap();
      key = Number.NaN;
      continue;
    }
    if (k !== key) {
      flush();
      key = k;
    }
    if (lo < 0) lo = hi = i;
    else if (yi < y[lo]!) lo = i;
    else if (yi > y[hi]!) hi = i;
  }
  flush();
  // A gap emitted before points that never came is not a gap; drop the trailing NaN.
  if (m > 0 && Number.isNaN(oy[m - 1]!)) m--;
  return { x: ox.slice(0, m), y: oy.slice(0, m) };
}

/**
 * Bucket keys for `decimateMinMax` from x positions: `buckets` equal slices of [t(x0), t(x1)], where t
 * is the axis transform (identity, log10, symlog), so buckets match pixel columns on any scale.
 */
export function pixelBuckets(
  x: ArrayLike<number>,
  transform: (v: number) => number,
  domain: [number, number],
  buckets: number,
): (i: number) => number {
  const t0 = transform(domain[0]);
  const span = transform(domain[1]) - t0;
  const scale = span !== 0 && Number.isFinite(span) ? buckets / span : 0;
  return (i) => Math.floor((transform(x[i]!) - t0) * scale);
}
