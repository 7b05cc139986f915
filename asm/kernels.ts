// Dense f64 kernels for dlnlab's WebAssembly backend (src/engine/linalg/wasm.ts), compiled by
// scripts/build-wasm.mjs with `-O3 --enable simd --runtime stub --importMemory`.
//
// Matrices are contiguous row-major f64; every pointer argument is a byte offset into the imported
// memory, which the caller owns. Nothing here allocates, and the module has no data or globals.
//
// Why hand-written: through the workspace wrapper these kernels beat the plain-JS `gemmJs` by
// 5–9× at d = 4 (16–26 ns vs 123–147 ns per call), 15–25× at d = 16 (0.29–0.35 µs vs 5.4–7.3 µs)
// and 19–27× at d = 64 (16.5–17.2 µs vs 0.32–0.44 ms), for NN, TN and NT (`npm run bench -- --only
// gemm`, Node 20.20, x86-64; medians of 7, spreads within ±5%). NumPy's OpenBLAS (256-bit FMA) is
// still 1.6× faster at d = 64; below d ≈ 32 its ~0.8 µs call overhead dominates.
//
// Design choices, each measured on the exports themselves (same machine; medians of 9 repeats):
// - Accumulate in v128 registers (f64x2 mul + add; there is no FMA without relaxed SIMD) and write
//   C once, so beta = 0 never reads C (NaN in C is ignored) and beta = 1 loads it once per tile.
//   At d ≥ 16 this runs at the mul+add throughput of 128-bit SIMD (~30 GFlop/s).
// - NN/TN: 2×8 micro-tiles (2 rows × 4 vectors = 8 accumulators; per step of p, 4 vector loads of
//   B and 2 splat loads of op(A)) beat 4×4 tiles by 15–20% at n ≥ 16 (d = 64: 16.5 vs 20.0 µs;
//   d = 16: 283 vs 330 ns). 4×4 tiles cover 4-column strips, e.g. all of d = 4 (12–13 ns). 3×4
//   tiles were no better than 2×8; unrolling the p loop by 2 made 4×4 tiles ~45% slower (spills).
// - NT: both operands are contiguous along p, so 2×4 tiles of dot products are vectorised along
//   p and reduced pairwise at the end (no transposition, no gathers): 5–15% behind NN at d ≤ 16,
//   equal at d = 64.
// - One SIMD hot loop per WebAssembly function. When several tile loops share a function, V8's
//   register allocator adds 6 vector moves to every (2×-unrolled) iteration of the hot loop and
//   the kernel runs ~15% slower (d = 16: 326 → 283 ns, d = 64: 19.9 → 16.6 µs). The tile
//   functions are therefore exported (underscore names, not part of the API) only so that
//   Binaryen's inliner keeps them separate. Runtime strides (ar, ap) cost nothing measurable
//   against compile-time constants, so NN and TN share the tiles.

@inline function mac(acc: v128, x: v128, y: v128): v128 {
  return f64x2.add(acc, f64x2.mul(x, y));
}

// ---------------------------------------------------------------------------------------------
// op(B) = B (NN and TN): C[i, j:j+2] += op(A)[i,p] · B[p, j:j+2], vectorised along j.
// op(A)[r, p] lives at pa + r*ar + p*ap bytes (NN: ar = 8k, ap = 8; TN: ar = 8, ap = 8m);
// B and C rows are ldb and ldc bytes apart.

/** 2×8 tiles down one 8-column strip, rows 0 … m−2 in pairs (the odd last row is left over). */
export function _xn_2x8(m: i32, k: i32, a: usize, ar: usize, ap: usize, b: usize, ldb: usize, c: usize, ldc: usize, beta: i32): void {
  for (let i = 0; i + 2 <= m; i += 2) {
    let pa = a + <usize>i * ar, pb = b;
    const pc = c + <usize>i * ldc, pc1 = pc + ldc;
    let c00 = f64x2.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    if (beta) {
      c00 = v128.load(pc); c01 = v128.load(pc, 16); c02 = v128.load(pc, 32); c03 = v128.load(pc, 48);
      c10 = v128.load(pc1); c11 = v128.load(pc1, 16); c12 = v128.load(pc1, 32); c13 = v128.load(pc1, 48);
    }
    for (let p = 0; p < k; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16), b2 = v128.load(pb, 32), b3 = v128.load(pb, 48);
      let x = v128.load64_splat(pa);
      c00 = mac(c00, x, b0); c01 = mac(c01, x, b1); c02 = mac(c02, x, b2); c03 = mac(c03, x, b3);
      x = v128.load64_splat(pa + ar);
      c10 = mac(c10, x, b0); c11 = mac(c11, x, b1); c12 = mac(c12, x, b2); c13 = mac(c13, x, b3);
      pa += ap; pb += ldb;
    }
    v128.store(pc, c00); v128.store(pc, c01, 16); v128.store(pc, c02, 32); v128.store(pc, c03, 48);
    v128.store(pc1, c10); v128.store(pc1, c11, 16); v128.store(pc1, c12, 32); v128.store(pc1, c13, 48);
  }
}

/** One row × 8 columns. */
export function _xn_1x8(k: i32, pa: usize, ap: usize, pb: usize, ldb: usize, pc: usize, beta: i32): void {
  let c0 = f64x2.splat(0), c1 = c0, c2 = c0, c3 = c0;
  if (beta) { c0 = v128.load(pc); c1 = v128.load(pc, 16); c2 = v128.load(pc, 32); c3 = v128.load(pc, 48); }
  for (let p = 0; p < k; p++) {
    const x = v128.load64_splat(pa);
    c0 = mac(c0, x, v128.load(pb)); c1 = mac(c1, x, v128.load(pb, 16));
    c2 = mac(c2, x, v128.load(pb, 32)); c3 = mac(c3, x, v128.load(pb, 48));
    pa += ap; pb += ldb;
  }
  v128.store(pc, c0); v128.store(pc, c1, 16); v128.store(pc, c2, 32); v128.store(pc, c3, 48);
}

/** 4×4 tiles down one 4-column strip, rows 0 … 4⌊m/4⌋−1 in quads. */
export function _xn_4x4(m: i32, k: i32, a: usize, ar: usize, ap: usize, b: usize, ldb: usize, c: usize, ldc: usize, beta: i32): void {
  const a2 = ar << 1, a3 = a2 + ar;
  for (let i = 0; i + 4 <= m; i += 4) {
    let pa = a + <usize>i * ar, pb = b;
    const pc = c + <usize>i * ldc, pc1 = pc + ldc, pc2 = pc1 + ldc, pc3 = pc2 + ldc;
    let c00 = f64x2.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    if (beta) {
      c00 = v128.load(pc); c01 = v128.load(pc, 16);
      c10 = v128.load(pc1); c11 = v128.load(pc1, 16);
      c20 = v128.load(pc2); c21 = v128.load(pc2, 16);
      c30 = v128.load(pc3); c31 = v128.load(pc3, 16);
    }
    for (let p = 0; p < k; p++) {
      const b0 = v128.load(pb), b1 = v128.load(pb, 16);
      let x = v128.load64_splat(pa);
      c00 = mac(c00, x, b0); c01 = mac(c01, x, b1);
      x = v128.load64_splat(pa + ar);
      c10 = mac(c10, x, b0); c11 = mac(c11, x, b1);
      x = v128.load64_splat(pa + a2);
      c20 = mac(c20, x, b0); c21 = mac(c21, x, b1);
      x = v128.load64_splat(pa + a3);
      c30 = mac(c30, x, b0); c31 = mac(c31, x, b1);
      pa += ap; pb += ldb;
    }
    v128.store(pc, c00); v128.store(pc, c01, 16);
    v128.store(pc1, c10); v128.store(pc1, c11, 16);
    v128.store(pc2, c20); v128.store(pc2, c21, 16);
    v128.store(pc3, c30); v128.store(pc3, c31, 16);
  }
}

/** One row × 4 columns. */
export function _xn_1x4(k: i32, pa: usize, ap: usize, pb: usize, ldb: usize, pc: usize, beta: i32): void {
  let c0 = f64x2.splat(0), c1 = c0;
  if (beta) { c0 = v128.load(pc); c1 = v128.load(pc, 16); }
  for (let p = 0; p < k; p++) {
    const x = v128.load64_splat(pa);
    c0 = mac(c0, x, v128.load(pb)); c1 = mac(c1, x, v128.load(pb, 16));
    pa += ap; pb += ldb;
  }
  v128.store(pc, c0); v128.store(pc, c1, 16);
}

/** 4×2 tiles down one 2-column strip, rows in quads. */
export function _xn_4x2(m: i32, k: i32, a: usize, ar: usize, ap: usize, b: usize, ldb: usize, c: usize, ldc: usize, beta: i32): void {
  const a2 = ar << 1, a3 = a2 + ar;
  for (let i = 0; i + 4 <= m; i += 4) {
    let pa = a + <usize>i * ar, pb = b;
    const pc = c + <usize>i * ldc, pc1 = pc + ldc, pc2 = pc1 + ldc, pc3 = pc2 + ldc;
    let c0 = f64x2.splat(0), c1 = c0, c2 = c0, c3 = c0;
    if (beta) { c0 = v128.load(pc); c1 = v128.load(pc1); c2 = v128.load(pc2); c3 = v128.load(pc3); }
    for (let p = 0; p < k; p++) {
      const y = v128.load(pb);
      c0 = mac(c0, v128.load64_splat(pa), y);
      c1 = mac(c1, v128.load64_splat(pa + ar), y);
      c2 = mac(c2, v128.load64_splat(pa + a2), y);
      c3 = mac(c3, v128.load64_splat(pa + a3), y);
      pa += ap; pb += ldb;
    }
    v128.store(pc, c0); v128.store(pc1, c1); v128.store(pc2, c2); v128.store(pc3, c3);
  }
}

/** One row × 2 columns. */
export function _xn_1x2(k: i32, pa: usize, ap: usize, pb: usize, ldb: usize, pc: usize, beta: i32): void {
  let c0 = f64x2.splat(0);
  if (beta) c0 = v128.load(pc);
  for (let p = 0; p < k; p++) {
    c0 = mac(c0, v128.load64_splat(pa), v128.load(pb));
    pa += ap; pb += ldb;
  }
  v128.store(pc, c0);
}

/** One column of C (odd n), all m rows, scalar. */
export function _xn_col(m: i32, k: i32, pa: usize, ar: usize, ap: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, beta: i32): void {
  for (let i = 0; i < m; i++) {
    let s: f64 = 0;
    let qa = pa, qb = pb;
    for (let p = 0; p < k; p++) {
      s += load<f64>(qa) * load<f64>(qb);
      qa += ap; qb += ldb;
    }
    store<f64>(pc, beta ? load<f64>(pc) + s : s);
    pa += ar; pc += ldc;
  }
}

@inline function gemmXN(m: i32, n: i32, k: i32, a: usize, ar: usize, ap: usize, b: usize, c: usize, beta: i32): void {
  const ld = <usize>n << 3;
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const pb = b + (<usize>j << 3), pc = c + (<usize>j << 3);
    _xn_2x8(m, k, a, ar, ap, pb, ld, pc, ld, beta);
    if (m & 1) _xn_1x8(k, a + <usize>(m - 1) * ar, ap, pb, ld, pc + <usize>(m - 1) * ld, beta);
  }
  if (j + 4 <= n) {
    const pb = b + (<usize>j << 3), pc = c + (<usize>j << 3);
    _xn_4x4(m, k, a, ar, ap, pb, ld, pc, ld, beta);
    for (let i = m & ~3; i < m; i++) _xn_1x4(k, a + <usize>i * ar, ap, pb, ld, pc + <usize>i * ld, beta);
    j += 4;
  }
  if (j + 2 <= n) {
    const pb = b + (<usize>j << 3), pc = c + (<usize>j << 3);
    _xn_4x2(m, k, a, ar, ap, pb, ld, pc, ld, beta);
    for (let i = m & ~3; i < m; i++) _xn_1x2(k, a + <usize>i * ar, ap, pb, ld, pc + <usize>i * ld, beta);
    j += 2;
  }
  if (j < n) _xn_col(m, k, a, ar, ap, b + (<usize>j << 3), ld, c + (<usize>j << 3), ld, beta);
}

/** C ← A·B + beta·C; A m×k, B k×n, C m×n; beta 0 (C not read) or 1. */
export function gemm_nn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  gemmXN(m, n, k, a, <usize>k << 3, 8, b, c, beta);
}

/** C ← Aᵀ·B + beta·C; A k×m, B k×n, C m×n; beta 0 (C not read) or 1. */
export function gemm_tn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  gemmXN(m, n, k, a, 8, <usize>m << 3, b, c, beta);
}

// ---------------------------------------------------------------------------------------------
// NT: C[i,j] = Σ_p A[i,p] B[j,p]. Both operands are contiguous along p, so each accumulator holds
// the even-p and odd-p partial sums of one dot product; two dot products are reduced at once.

/** (x0 + x1, y0 + y1). */
@inline function hsum2(x: v128, y: v128): v128 {
  return f64x2.add(v128.shuffle<f64>(x, y, 0, 2), v128.shuffle<f64>(x, y, 1, 3));
}

/** 2×4 tiles of dot products over rows 0 … 2⌊m/2⌋−1 and columns 0 … 4⌊n/4⌋−1. */
export function _nt_2x4(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  const lda = <usize>k << 3, ldb = lda, ldc = <usize>n << 3;
  const kEven = <usize>(k & ~1) << 3;
  for (let i = 0; i + 2 <= m; i += 2) {
    const pa = a + <usize>i * lda, pa1 = pa + lda;
    const pcRow = c + <usize>i * ldc;
    for (let j = 0; j + 4 <= n; j += 4) {
      const pb = b + <usize>j * ldb, pb1 = pb + ldb, pb2 = pb1 + ldb, pb3 = pb2 + ldb;
      let c00 = f64x2.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
      let p: usize = 0;
      for (; p < kEven; p += 16) {
        const x0 = v128.load(pa + p), x1 = v128.load(pa1 + p);
        let y = v128.load(pb + p);
        c00 = mac(c00, x0, y); c10 = mac(c10, x1, y);
        y = v128.load(pb1 + p);
        c01 = mac(c01, x0, y); c11 = mac(c11, x1, y);
        y = v128.load(pb2 + p);
        c02 = mac(c02, x0, y); c12 = mac(c12, x1, y);
        y = v128.load(pb3 + p);
        c03 = mac(c03, x0, y); c13 = mac(c13, x1, y);
      }
      if (k & 1) {
        // Odd k: the last term goes to lane 0 (lane 1 adds 0·0).
        const x0 = v128.load64_zero(pa + p), x1 = v128.load64_zero(pa1 + p);
        let y = v128.load64_zero(pb + p);
        c00 = mac(c00, x0, y); c10 = mac(c10, x1, y);
        y = v128.load64_zero(pb1 + p);
        c01 = mac(c01, x0, y); c11 = mac(c11, x1, y);
        y = v128.load64_zero(pb2 + p);
        c02 = mac(c02, x0, y); c12 = mac(c12, x1, y);
        y = v128.load64_zero(pb3 + p);
        c03 = mac(c03, x0, y); c13 = mac(c13, x1, y);
      }
      let r00 = hsum2(c00, c01), r01 = hsum2(c02, c03), r10 = hsum2(c10, c11), r11 = hsum2(c12, c13);
      const pc = pcRow + (<usize>j << 3), pc1 = pc + ldc;
      if (beta) {
        r00 = f64x2.add(v128.load(pc), r00); r01 = f64x2.add(v128.load(pc, 16), r01);
        r10 = f64x2.add(v128.load(pc1), r10); r11 = f64x2.add(v128.load(pc1, 16), r11);
      }
      v128.store(pc, r00); v128.store(pc, r01, 16);
      v128.store(pc1, r10); v128.store(pc1, r11, 16);
    }
  }
}

/** C[i, j0:n] (+)= A[i,:]·B[j,:] for rows i0 … m−1 and columns j0 … n−1 (the ragged edges of NT). */
export function _nt_edge(i0: i32, j0: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  const lda = <usize>k << 3, ldb = lda, ldc = <usize>n << 3;
  const kEven = <usize>(k & ~1) << 3;
  for (let i = i0; i < m; i++) {
    const pa = a + <usize>i * lda;
    for (let j = j0; j < n; j++) {
      const pb = b + <usize>j * ldb;
      let acc = f64x2.splat(0);
      let p: usize = 0;
      for (; p < kEven; p += 16) acc = mac(acc, v128.load(pa + p), v128.load(pb + p));
      if (k & 1) acc = mac(acc, v128.load64_zero(pa + p), v128.load64_zero(pb + p));
      const s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      const q = c + <usize>i * ldc + (<usize>j << 3);
      store<f64>(q, beta ? load<f64>(q) + s : s);
    }
  }
}

/** C ← A·Bᵀ + beta·C; A m×k, B n×k, C m×n; beta 0 (C not read) or 1. */
export function gemm_nt(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  const m2 = m & ~1, n4 = n & ~3;
  _nt_2x4(m, n, k, a, b, c, beta);
  if (n4 < n) _nt_edge(0, n4, m2, n, k, a, b, c, beta);
  if (m2 < m) _nt_edge(m2, 0, m, n, k, a, b, c, beta);
}

// ---------------------------------------------------------------------------------------------
// TT (not on the engine's hot path): Cᵀ = B·A. Row j of B (contiguous along p) is splatted against
// rows of A (contiguous along i); the two lanes of each result go to C[i, j] and C[i+1, j].

/** C ← Aᵀ·Bᵀ + beta·C; A k×m, B n×k, C m×n; beta 0 (C not read) or 1. */
export function gemm_tt(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, beta: i32): void {
  const lda = <usize>m << 3, ldb = <usize>k << 3, ldc = <usize>n << 3;
  for (let j = 0; j < n; j++) {
    const pb = b + <usize>j * ldb;
    for (let i = 0; i < m; i += 2) {
      const q0 = c + <usize>i * ldc + (<usize>j << 3);
      let acc = f64x2.splat(0);
      let qa = a + (<usize>i << 3), qb = pb;
      if (i + 2 <= m) {
        for (let p = 0; p < k; p++) {
          acc = mac(acc, v128.load64_splat(qb), v128.load(qa));
          qa += lda; qb += 8;
        }
        if (beta) acc = f64x2.add(v128.load64_lane(q0 + ldc, v128.load64_zero(q0), 1), acc);
        v128.store64_lane(q0, acc, 0);
        v128.store64_lane(q0 + ldc, acc, 1);
      } else {
        // Last row of an odd m: lane 1 would read past A's row, so use lane 0 only.
        for (let p = 0; p < k; p++) {
          acc = mac(acc, v128.load64_zero(qb), v128.load64_zero(qa));
          qa += lda; qb += 8;
        }
        const s = f64x2.extract_lane(acc, 0);
        store<f64>(q0, beta ? load<f64>(q0) + s : s);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// axpy: the GD update θ ← θ − η g. Through the workspace, 8–9× faster than the plain-JS loop
// (n = 256: 45 vs 376 ns; n = 4096: 0.64 vs 5.8 µs; n = 65536: 10 vs 94 µs; `npm run bench -- --only
// axpy`). Used for FullSystem's update it cut a GD step at d = 16, K = 4, L = 4 from 21.2 to 14.6 µs.

/** y ← y + alpha·x over n doubles; x and y may be the same array but must not partially overlap. */
export function axpy(n: i32, alpha: f64, x: usize, y: usize): void {
  const av = f64x2.splat(alpha);
  const end = y + (<usize>(n & ~3) << 3);
  while (y < end) {
    v128.store(y, f64x2.add(v128.load(y), f64x2.mul(av, v128.load(x))));
    v128.store(y, f64x2.add(v128.load(y, 16), f64x2.mul(av, v128.load(x, 16))), 16);
    x += 32; y += 32;
  }
  for (let i = n & ~3; i < n; i++) {
    store<f64>(y, load<f64>(y) + alpha * load<f64>(x));
    x += 8; y += 8;
  }
}
