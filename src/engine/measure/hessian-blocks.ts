/**
 * @file The exact Hessian of the full-matrix loss at a point of the SVS set, assembled from small
 * blocks of the reduced (per-layer scalar) coordinates. In the target basis every layer is diagonal,
 * x_{k,l,i} = σ_{k,l,i}, and the Hessian splits into
 * - one mode block per mode i over the diagonal entries (k, l): J Jᵀ + r_i S with
 *   J_{kl} = Π_{m≠l} x_{k,m,i} and S_{(k,l),(k,m)} = Π_{n≠l,m} x_{k,n,i} (same pathway, l ≠ m);
 * - one pair block per pair i < j over the entries e_{k,l} = W_{k,l}[i,j] and e'_{k,l} = W_{k,l}[j,i]:
 *   [[g gᵀ, C], [Cᵀ, g′ g′ᵀ]] with g_{kl} = Π_{m>l} x_{k,m,i} Π_{m<l} x_{k,m,j}, g′ the same with i ↔ j,
 *   and residual couplings C between e_{k,l} and e′_{k,m} inside one pathway:
 *   r_j Π_{n>m} x_{n,j} Π_{l<n<m} x_{n,i} Π_{n<l} x_{n,j} for l < m, r_i Π_{n>l} x_{n,i} Π_{m<n<l} x_{n,j} Π_{n<m} x_{n,i} for l > m.
 * The blocks are exact away from zero loss too, so this gives the sharpness of the reduced dynamics
 * at the cost of d + d(d−1)/2 tiny eigenproblems, and independently checks the Lanczos/HVP path.
 */
import { symmetricEigenvalues } from "../linalg/dense.js";

/** Per-layer scalars x[(o_k + l)·d + i] of an SVS point (o_k = Σ_{j<k} L_j) with its target σ. */
export interface LayerPoint {
  depths: readonly number[];
  sigma: ArrayLike<number>;
  x: ArrayLike<number>;
}

function prod(x: ArrayLike<number>, d: number, base: number, from: number, to: number, mode: number): number {
  // Π_{l=from}^{to−1} x_{base+l, mode}
  let p = 1;
  for (let l = from; l < to; l++) p *= x[(base + l) * d + mode]!;
  return p;
}

/** The mode-i block (size Σ_k L_k), row-major. */
export function modeBlock(pt: LayerPoint, i: number): Float64Array {
  const { depths, x } = pt;
  const d = pt.sigma.length;
  const n = depths.reduce((a, b) => a + b, 0);
  const J = new Float64Array(n);
  let s = 0;
  let base = 0;
  depths.forEach((L) => {
    for (let l = 0; l < L; l++) J[base + l] = prod(x, d, base, 0, l, i) * prod(x, d, base, l + 1, L, i);
    s += prod(x, d, base, 0, L, i);
    base += L;
  });
  const r = s - pt.sigma[i]!;
  const H = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) H[a * n + b] = J[a]! * J[b]!;
  base = 0;
  depths.forEach((L) => {
    for (let l = 0; l < L; l++) {
      for (let m = l + 1; m < L; m++) {
        const v = r * prod(x, d, base, 0, l, i) * prod(x, d, base, l + 1, m, i) * prod(x, d, base, m + 1, L, i);
        H[(base + l) * n + base + m] = H[(base + l) * n + base + m]! + v;
        H[(base + m) * n + base + l] = H[(base + m) * n + base + l]! + v;
      }
    }
    base += L;
  });
  return H;
}

/** The block of the mode pair (i, j), i ≠ j (size 2 Σ_k L_k: entries [i,j] of every layer, then [j,i]). */
export function pairBlock(pt: LayerPoint, i: number, j: number): Float64Array {
  const { depths, x } = pt;
  const d = pt.sigma.length;
  const n = depths.reduce((a, b) => a + b, 0);
  const residual = (mode: number) => {
    let s = 0;
    let base = 0;
    for (const L of depths) {
      s += prod(x, d, base, 0, L, mode);
      base += L;
    }
    return s - pt.sigma[mode]!;
  };
  const ri = residual(i);
  const rj = residual(j);
  const g = new Float64Array(n);
  const gp = new Float64Array(n);
  let base = 0;
  for (const L of depths) {
    for (let l = 0; l < L; l++) {
      g[base + l] = prod(x, d, base, l + 1, L, i) * prod(x, d, base, 0, l, j);
      gp[base + l] = prod(x, d, base, l + 1, L, j) * prod(x, d, base, 0, l, i);
    }
    base += L;
  }
  const N = 2 * n;
  const H = new Float64Array(N * N);
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      H[a * N + b] = g[a]! * g[b]!;
      H[(n + a) * N + n + b] = gp[a]! * gp[b]!;
    }
  }
  base = 0;
  for (const L of depths) {
    for (let l = 0; l < L; l++) {
      for (let m = 0; m < L; m++) {
        if (l === m) continue;
        // e at layer l (entry [i,j]) with e' at layer m (entry [j,i]) of the same pathway.
        const v =
          l < m
            ? rj * prod(x, d, base, m + 1, L, j) * prod(x, d, base, l + 1, m, i) * prod(x, d, base, 0, l, j)
            : ri * prod(x, d, base, l + 1, L, i) * prod(x, d, base, m + 1, l, j) * prod(x, d, base, 0, m, i);
        H[(base + l) * N + n + base + m] = v;
        H[(n + base + m) * N + base + l] = v;
      }
    }
    base += L;
  }
  return H;
}

/** Gershgorin upper bound on the eigenvalues of a symmetric N×N matrix. */
function gershgorinMax(H: Float64Array, N: number): number {
  let best = Number.NEGATIVE_INFINITY;
  for (let a = 0; a < N; a++) {
    let radius = 0;
    for (let b = 0; b < N; b++) if (b !== a) radius += Math.abs(H[a * N + b]!);
    best = Math.max(best, H[a * N + a]! + radius);
  }
  return best;
}

/**
 * The `top` largest Hessian eigenvalues (decreasing) at an SVS point. Pair blocks whose Gershgorin
 * bound cannot beat the current top values are skipped, which is exact (they cannot contribute).
 */
export function svsHessianTop(pt: LayerPoint, top = 1): number[] {
  const d = pt.sigma.length;
  const n = pt.depths.reduce((a, b) => a + b, 0);
  let best: number[] = [];
  const merge = (vals: number[]) => {
    best = [...best, ...vals].sort((a, b) => b - a).slice(0, top);
  };
  for (let i = 0; i < d; i++) merge(symmetricEigenvalues(n, modeBlock(pt, i)).slice(0, top));
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const H = pairBlock(pt, i, j);
      if (best.length === top && gershgorinMax(H, 2 * n) <= best[top - 1]!) continue;
      merge(symmetricEigenvalues(2 * n, H).slice(0, top));
    }
  }
  return best;
}

/** Expand a depth-balanced state a[k·d + i] into per-layer scalars (every layer of pathway k = a_{k,i}). */
export function balancedToLayers(a: ArrayLike<number>, depths: readonly number[], d: number): Float64Array {
  const total = depths.reduce((s, L) => s + L, 0);
  const x = new Float64Array(total * d);
  let base = 0;
  depths.forEach((L, k) => {
    for (let l = 0; l < L; l++) for (let i = 0; i < d; i++) x[(base + l) * d + i] = a[k * d + i]!;
    base += L;
  });
  return x;
}
