// Batched reduced dynamics of many runs at once (src/sweep/batch.ts drives it): depth-balanced GD
// a_{k,i} ← a_{k,i} − η r_i a_{k,i}^{L_k−1}, r_i = Σ_k a_{k,i}^{L_k} − σ_i, on a block of B runs laid
// out lane-fastest (entry (k·d + i)·B + run), two runs per f64x2 vector, with the stop rules of
// src/engine/simulate.ts per run. Every arithmetic operation is the one of balancedGdStepTyped
// (src/engine/dynamics/reduced.ts) in the same order, and WebAssembly rounds each f64 operation
// separately (no fused multiply-add), so every run's state is bit for bit the single-run state.
//
// One pass per step over the block, a pair of runs at a time: its sums, its stop rules and its
// update. Width 1 with K ≤ 8 pathways (the usual sweep) keeps a pair's K scalars and powers in
// registers (fusedK, K a literal); wider targets reload the scalars and recompute the powers in the
// update (fusedSteps). A depth shared by all pathways and ≤ 10 is a literal too, so the power
// unrolls. Measured on this 2-core machine, fastest of 5 repeats of 4096 runs × 2000 steps at K = L = 4,
// in ns per pathway update: 3.2 for the earlier three passes over the block (p and s; stop rules;
// update, with a^{L−1} kept in a scratch row and the power's loop inside the lane loop), 2.35 with
// the power unrolled, 1.7 fused per pair (fusedSteps), 1.2 with the scalars in registers (fusedK);
// two pairs per iteration spilled registers and took 3.1. bench/sweep.ts has the current numbers.
//
// Per run (lane) the caller owns: eta, div (divergence bound), conv (convergence bound), alive
// (all-ones while running), status (0 running; 1 converged, 2 diverged), final (step of the final
// record: the step whose pre-step loss stopped the run), the online end-of-run classification
// (flips, first, second, prev: simulate.ts classifyEnd over the last n steps) and amin (smallest
// layer scalar of every state a run evaluates, its final one included: sign flips). Scratch: S (d·B:
// η·r of the pair being updated).

/** p = x^{L−1} as the single-run loop computes it: 1·x·x·⋯ left to right (1·x = x exactly). */
@inline function powm1(x: v128, L: i32, one: v128): v128 {
  if (L == 1) return one;
  if (L == 2) return x;
  let p = f64x2.mul(x, x);
  for (let j = 3; j < L; j++) p = f64x2.mul(p, x);
  return p;
}

/** powm1 unrolled up to L = 10: with a literal L every branch folds away. */
@inline function powu(x: v128, L: i32, one: v128): v128 {
  if (L > 10) return powm1(x, L, one);
  if (L == 1) return one;
  if (L == 2) return x;
  let p = f64x2.mul(x, x);
  if (L >= 4) p = f64x2.mul(p, x);
  if (L >= 5) p = f64x2.mul(p, x);
  if (L >= 6) p = f64x2.mul(p, x);
  if (L >= 7) p = f64x2.mul(p, x);
  if (L >= 8) p = f64x2.mul(p, x);
  if (L >= 9) p = f64x2.mul(p, x);
  if (L >= 10) p = f64x2.mul(p, x);
  return p;
}

/** Pathway k's power: the block's literal depth L, or (L = 0) the pathway's own depth Lk. */
@inline function pw(x: v128, L: i32, Lk: i32, one: v128): v128 {
  return L > 0 ? powu(x, L, one) : powm1(x, Lk, one);
}

/**
 * The stop rules and the end-of-run sums of one pair of runs at byte offset o, on the pre-step loss
 * and the first residual: a run that stops keeps its pre-step state, as Simulation does whatever its
 * record plan (it replays to the stopping step). Returns the lanes that take this step.
 */
@inline function stopRules(
  o: usize, t: i32, loss: v128, r0: v128, hist: bool, j: i32, n: i32, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize,
): v128 {
  const am = v128.load(alive + o);
  const bad = v128.not(f64x2.le(loss, v128.load(div + o)));
  const stop = v128.and(am, v128.or(bad, f64x2.le(loss, v128.load(conv + o))));
  let keep = am;
  if (v128.any_true(stop)) {
    const code = v128.bitselect(f64x2.splat(2), f64x2.splat(1), bad);
    v128.store(status + o, v128.bitselect(code, v128.load(status + o), stop));
    v128.store(final + o, v128.bitselect(f64x2.splat(<f64>t), v128.load(final + o), stop));
    keep = v128.andnot(am, stop);
    v128.store(alive + o, keep);
  }
  if (hist) {
    const pr = v128.load(prev + o);
    // r·prev < 0 adds 1 (the comparison mask AND the bits of 1.0).
    if (j > 0) v128.store(flips + o, f64x2.add(v128.load(flips + o), v128.and(f64x2.lt(f64x2.mul(r0, pr), f64x2.splat(0)), f64x2.splat(1))));
    if (2 * j < n) v128.store(first + o, f64x2.add(v128.load(first + o), f64x2.abs(r0)));
    else v128.store(second + o, f64x2.add(v128.load(second + o), f64x2.abs(r0)));
    v128.store(prev + o, r0);
  }
  return keep;
}

/**
 * All steps t0 ≤ t < t1 of a width-1 block of K ≤ 8 pathways, inlined with a literal K (and a
 * literal shared depth L, or L = 0 for per-pathway depths): a pair's scalars and powers stay in
 * registers from its sums through its update.
 */
@inline function fusedK(
  K: i32, L: i32, nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  const stride = <usize>nPairs << 4;
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const half = f64x2.splat(0.5);
  const L0 = K > 0 ? load<i32>(depths + 0) : 0;
  const L1 = K > 1 ? load<i32>(depths + 4) : 0;
  const L2 = K > 2 ? load<i32>(depths + 8) : 0;
  const L3 = K > 3 ? load<i32>(depths + 12) : 0;
  const L4 = K > 4 ? load<i32>(depths + 16) : 0;
  const L5 = K > 5 ? load<i32>(depths + 20) : 0;
  const L6 = K > 6 ? load<i32>(depths + 24) : 0;
  const L7 = K > 7 ? load<i32>(depths + 28) : 0;
  for (let t = t0; t < t1; t++) {
    const last = t == steps;
    const hist = t >= histStart && t < steps;
    const j = t - histStart;
    let anyAlive = zero;
    for (let o: usize = 0; o < stride; o += 16) {
      const x0 = K > 0 ? v128.load(a + 0 * stride + o) : zero;
      const x1 = K > 1 ? v128.load(a + 1 * stride + o) : zero;
      const x2 = K > 2 ? v128.load(a + 2 * stride + o) : zero;
      const x3 = K > 3 ? v128.load(a + 3 * stride + o) : zero;
      const x4 = K > 4 ? v128.load(a + 4 * stride + o) : zero;
      const x5 = K > 5 ? v128.load(a + 5 * stride + o) : zero;
      const x6 = K > 6 ? v128.load(a + 6 * stride + o) : zero;
      const x7 = K > 7 ? v128.load(a + 7 * stride + o) : zero;
      const p0 = K > 0 ? pw(x0, L, L0, one) : zero;
      const p1 = K > 1 ? pw(x1, L, L1, one) : zero;
      const p2 = K > 2 ? pw(x2, L, L2, one) : zero;
      const p3 = K > 3 ? pw(x3, L, L3, one) : zero;
      const p4 = K > 4 ? pw(x4, L, L4, one) : zero;
      const p5 = K > 5 ? pw(x5, L, L5, one) : zero;
      const p6 = K > 6 ? pw(x6, L, L6, one) : zero;
      const p7 = K > 7 ? pw(x7, L, L7, one) : zero;
      // s = 0 + p₀x₀ + p₁x₁ + ⋯ and loss = 0 + ½r·r, in the single-run loop's order.
      let sum = zero;
      if (K > 0) sum = f64x2.add(sum, f64x2.mul(p0, x0));
      if (K > 1) sum = f64x2.add(sum, f64x2.mul(p1, x1));
      if (K > 2) sum = f64x2.add(sum, f64x2.mul(p2, x2));
      if (K > 3) sum = f64x2.add(sum, f64x2.mul(p3, x3));
      if (K > 4) sum = f64x2.add(sum, f64x2.mul(p4, x4));
      if (K > 5) sum = f64x2.add(sum, f64x2.mul(p5, x5));
      if (K > 6) sum = f64x2.add(sum, f64x2.mul(p6, x6));
      if (K > 7) sum = f64x2.add(sum, f64x2.mul(p7, x7));
      let m = v128.load(amin + o);
      if (K > 0) m = f64x2.pmin(m, x0);
      if (K > 1) m = f64x2.pmin(m, x1);
      if (K > 2) m = f64x2.pmin(m, x2);
      if (K > 3) m = f64x2.pmin(m, x3);
      if (K > 4) m = f64x2.pmin(m, x4);
      if (K > 5) m = f64x2.pmin(m, x5);
      if (K > 6) m = f64x2.pmin(m, x6);
      if (K > 7) m = f64x2.pmin(m, x7);
      v128.store(amin + o, m);
      const r = f64x2.sub(sum, v128.load(sigma + o));
      const loss = f64x2.add(zero, f64x2.mul(f64x2.mul(half, r), r));
      const keep = stopRules(o, t, loss, r, hist, j, n, div, conv, alive, status, final, flips, first, second, prev);
      anyAlive = v128.or(anyAlive, keep);
      if (last) continue;
      const er = f64x2.mul(v128.load(eta + o), r);
      if (K > 0) v128.store(a + 0 * stride + o, v128.bitselect(f64x2.sub(x0, f64x2.mul(er, p0)), x0, keep));
      if (K > 1) v128.store(a + 1 * stride + o, v128.bitselect(f64x2.sub(x1, f64x2.mul(er, p1)), x1, keep));
      if (K > 2) v128.store(a + 2 * stride + o, v128.bitselect(f64x2.sub(x2, f64x2.mul(er, p2)), x2, keep));
      if (K > 3) v128.store(a + 3 * stride + o, v128.bitselect(f64x2.sub(x3, f64x2.mul(er, p3)), x3, keep));
      if (K > 4) v128.store(a + 4 * stride + o, v128.bitselect(f64x2.sub(x4, f64x2.mul(er, p4)), x4, keep));
      if (K > 5) v128.store(a + 5 * stride + o, v128.bitselect(f64x2.sub(x5, f64x2.mul(er, p5)), x5, keep));
      if (K > 6) v128.store(a + 6 * stride + o, v128.bitselect(f64x2.sub(x6, f64x2.mul(er, p6)), x6, keep));
      if (K > 7) v128.store(a + 7 * stride + o, v128.bitselect(f64x2.sub(x7, f64x2.mul(er, p7)), x7, keep));
    }
    if (last || !v128.any_true(anyAlive)) break;
  }
}

/**
 * All steps t0 ≤ t < t1 of a block of any width and K (inlined with a literal shared depth L, or L = 0
 * for per-pathway depths): the scalars are reloaded and the powers recomputed for the update, and
 * S holds the pair's η·r between its sums and its update.
 */
@inline function fusedSteps(
  L: i32, nPairs: i32, K: i32, d: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  S: usize, t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  const stride = <usize>nPairs << 4;
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const half = f64x2.splat(0.5);
  const rowStride = <usize>d * stride;
  for (let t = t0; t < t1; t++) {
    const last = t == steps;
    const hist = t >= histStart && t < steps;
    const j = t - histStart;
    let anyAlive = zero;
    for (let o: usize = 0; o < stride; o += 16) {
      const e = v128.load(eta + o);
      let m = v128.load(amin + o);
      let loss = zero;
      let r0 = zero;
      for (let i = 0; i < d; i++) {
        const base = <usize>i * stride + o;
        let sum = zero;
        for (let k = 0; k < K; k++) {
          const x = v128.load(a + <usize>k * rowStride + base);
          sum = f64x2.add(sum, f64x2.mul(pw(x, L, L > 0 ? L : load<i32>(depths + (<usize>k << 2)), one), x));
          m = f64x2.pmin(m, x);
        }
        const r = f64x2.sub(sum, v128.load(sigma + base));
        if (i == 0) r0 = r;
        loss = f64x2.add(loss, f64x2.mul(f64x2.mul(half, r), r));
        v128.store(S + base, f64x2.mul(e, r));
      }
      v128.store(amin + o, m);
      const keep = stopRules(o, t, loss, r0, hist, j, n, div, conv, alive, status, final, flips, first, second, prev);
      anyAlive = v128.or(anyAlive, keep);
      if (last) continue;
      for (let i = 0; i < d; i++) {
        const base = <usize>i * stride + o;
        const er = v128.load(S + base);
        for (let k = 0; k < K; k++) {
          const at = a + <usize>k * rowStride + base;
          const x = v128.load(at);
          const p = pw(x, L, L > 0 ? L : load<i32>(depths + (<usize>k << 2)), one);
          v128.store(at, v128.bitselect(f64x2.sub(x, f64x2.mul(er, p)), x, keep));
        }
      }
    }
    if (last || !v128.any_true(anyAlive)) break;
  }
}

/** Width 1, K = 1: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK1(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(1, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(1, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(1, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(1, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(1, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(1, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(1, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(1, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(1, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(1, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 2: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK2(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(2, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(2, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(2, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(2, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(2, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(2, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(2, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(2, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(2, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(2, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 3: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK3(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(3, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(3, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(3, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(3, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(3, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(3, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(3, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(3, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(3, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(3, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 4: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK4(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(4, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(4, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(4, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(4, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(4, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(4, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(4, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(4, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(4, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(4, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 5: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK5(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(5, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(5, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(5, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(5, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(5, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(5, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(5, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(5, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(5, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(5, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 6: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK6(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(6, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(6, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(6, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(6, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(6, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(6, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(6, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(6, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(6, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(6, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 7: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK7(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(7, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(7, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(7, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(7, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(7, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(7, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(7, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(7, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(7, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(7, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Width 1, K = 8: fusedK with the block's shared depth L as a literal when it has one (2–10), else per-pathway depths. */
function widthOneK8(
  L: i32,
  nPairs: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedK(8, 4, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 3) fusedK(8, 3, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 5) fusedK(8, 5, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 2) fusedK(8, 2, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 6) fusedK(8, 6, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 7) fusedK(8, 7, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 8) fusedK(8, 8, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 9) fusedK(8, 9, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else if (L == 10) fusedK(8, 10, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  else fusedK(8, 0, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
}

/** Any width and K: fusedSteps with the block's shared depth L as a literal when it has one (2–10). */
function anyWidth(
  L: i32, nPairs: i32, K: i32, d: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  S: usize, t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): void {
  if (L == 4) fusedSteps(4, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 3) fusedSteps(3, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 5) fusedSteps(5, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 2) fusedSteps(2, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 6) fusedSteps(6, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 7) fusedSteps(7, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 8) fusedSteps(8, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 9) fusedSteps(9, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else if (L == 10) fusedSteps(10, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  else fusedSteps(0, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
}

/**
 * Advance a block of 2·nPairs runs over steps t0 ≤ t < t1 (t = steps: the final check only). Every
 * step checks the loss before the update. Returns the number of runs still alive.
 */
export function sweep_balanced(
  nPairs: i32, K: i32, d: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  S: usize, t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): i32 {
  // The shared depth, or 0 when the pathways' depths differ.
  let L = load<i32>(depths);
  for (let k = 1; k < K; k++) if (load<i32>(depths + (<usize>k << 2)) != L) L = 0;
  if (d == 1 && K <= 8) {
    if (K == 1) widthOneK1(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 2) widthOneK2(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 3) widthOneK3(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 4) widthOneK4(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 5) widthOneK5(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 6) widthOneK6(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 7) widthOneK7(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
    else if (K == 8) widthOneK8(L, nPairs, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, t0, t1, steps, histStart, n);
  } else anyWidth(L, nPairs, K, d, depths, a, sigma, eta, div, conv, alive, status, final, flips, first, second, prev, amin, S, t0, t1, steps, histStart, n);
  let count = 0;
  for (let q = 0; q < nPairs; q++) {
    const am = v128.load(alive + (<usize>q << 4));
    count += (i64x2.extract_lane(am, 0) != 0 ? 1 : 0) + (i64x2.extract_lane(am, 1) != 0 ? 1 : 0);
  }
  return count;
}
