// Batched reduced dynamics of many runs at once (src/sweep/batch.ts drives it): depth-balanced GD
// a_{k,i} ← a_{k,i} − η r_i a_{k,i}^{L_k−1}, r_i = Σ_k a_{k,i}^{L_k} − σ_i, on a block of B runs laid
// out lane-fastest (entry (k·d + i)·B + run), two runs per f64x2 vector, with the stop rules of
// src/engine/simulate.ts per run. Every arithmetic operation is the one of balancedGdStepTyped
// (src/engine/dynamics/reduced.ts) in the same order, and WebAssembly rounds each f64 operation
// separately (no fused multiply-add), so every run's state is bit for bit the single-run state.
//
// Each step streams over the block in three passes (p and s; residual, loss and stop rules; update),
// each a flat loop over the runs with no dependency between iterations. Two alternatives measured
// slower on this (loaded) machine, min of 8 interleaved repeats of 4096 runs × 1000 steps at
// K = L = 4: one pair of runs at a time with all pathways in flight (9.9 ns per pathway update vs 6.6
// for this form) and the update fused with the next step's sums (6.1 vs 5.3); bench/sweep.ts has the
// current numbers.
//
// Per run (lane) the caller owns: eta, div (divergence bound), conv (convergence bound), alive
// (all-ones while running), status (0 running; 1 converged, 2 diverged), final (step of the final
// record: the step whose pre-step loss stopped the run), the online end-of-run classification
// (flips, first, second, prev: simulate.ts classifyEnd over the last n steps) and amin (smallest
// layer scalar seen: sign flips). Scratch: P (K·d·B: a^{L−1}), S (d·B: s, then η·r), KEEP (B).

/** p = x^{L−1} as the single-run loop computes it: 1·x·x·⋯ left to right (1·x = x exactly). */
@inline function powm1(x: v128, L: i32, one: v128): v128 {
  if (L == 1) return one;
  if (L == 2) return x;
  let p = f64x2.mul(x, x);
  for (let j = 3; j < L; j++) p = f64x2.mul(p, x);
  return p;
}

/**
 * Advance a block of 2·nPairs runs over steps t0 ≤ t < t1 (t = steps: the final check only). Every
 * step checks the loss before the update, and a run that stops keeps its pre-step state, as Simulation
 * does whatever its record plan (it replays to the stopping step). Returns the number of runs still alive.
 */
export function sweep_balanced(
  nPairs: i32, K: i32, d: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  P: usize, S: usize, KEEP: usize, t0: i32, t1: i32, steps: i32, histStart: i32, n: i32,
): i32 {
  const stride = <usize>nPairs << 4;
  const zero = f64x2.splat(0);
  const one = f64x2.splat(1);
  const two = f64x2.splat(2);
  const half = f64x2.splat(0.5);
  let live = 0;
  for (let t = t0; t < t1; t++) {
    const last = t == steps;
    const hist = t >= histStart && t < steps;
    const j = t - histStart;
    // Pass 1: p_{k,i} = a^{L_k−1} and s_i = Σ_k p a (the k = 0 term added to 0, as in JS).
    for (let i = 0; i < d; i++) {
      const ps = S + <usize>i * stride;
      for (let k = 0; k < K; k++) {
        const L = load<i32>(depths + (<usize>k << 2));
        const row = <usize>(k * d + i) * stride;
        const pa = a + row;
        const pp = P + row;
        if (k == 0) {
          for (let o: usize = 0; o < stride; o += 16) {
            const x = v128.load(pa + o);
            const p = powm1(x, L, one);
            v128.store(pp + o, p);
            v128.store(ps + o, f64x2.add(zero, f64x2.mul(p, x)));
          }
        } else {
          for (let o: usize = 0; o < stride; o += 16) {
            const x = v128.load(pa + o);
            const p = powm1(x, L, one);
            v128.store(pp + o, p);
            v128.store(ps + o, f64x2.add(v128.load(ps + o), f64x2.mul(p, x)));
          }
        }
      }
    }
    // Pass 2: residuals, loss, stop rules; S becomes η·r, KEEP the lanes that take this step.
    const tv = f64x2.splat(<f64>t);
    let anyAlive = zero;
    for (let o: usize = 0; o < stride; o += 16) {
      const am = v128.load(alive + o);
      const e = v128.load(eta + o);
      let loss = zero;
      let r0 = zero;
      for (let i = 0; i < d; i++) {
        const ps = S + <usize>i * stride + o;
        const r = f64x2.sub(v128.load(ps), v128.load(sigma + <usize>i * stride + o));
        if (i == 0) r0 = r;
        loss = f64x2.add(loss, f64x2.mul(f64x2.mul(half, r), r));
        v128.store(ps, f64x2.mul(e, r));
      }
      const bad = v128.not(f64x2.le(loss, v128.load(div + o)));
      const stop = v128.and(am, v128.or(bad, f64x2.le(loss, v128.load(conv + o))));
      let keep = am;
      if (v128.any_true(stop)) {
        const code = v128.bitselect(two, one, bad);
        v128.store(status + o, v128.bitselect(code, v128.load(status + o), stop));
        v128.store(final + o, v128.bitselect(tv, v128.load(final + o), stop));
        const still = v128.andnot(am, stop);
        v128.store(alive + o, still);
        // A stopping run keeps its pre-step state.
        keep = still;
        anyAlive = v128.or(anyAlive, still);
      } else {
        anyAlive = v128.or(anyAlive, am);
      }
      v128.store(KEEP + o, keep);
      if (hist) {
        const pr = v128.load(prev + o);
        if (j > 0) {
          // r·prev < 0 adds 1 (the comparison mask AND the bits of 1.0).
          v128.store(flips + o, f64x2.add(v128.load(flips + o), v128.and(f64x2.lt(f64x2.mul(r0, pr), zero), one)));
        }
        if (2 * j < n) v128.store(first + o, f64x2.add(v128.load(first + o), f64x2.abs(r0)));
        else v128.store(second + o, f64x2.add(v128.load(second + o), f64x2.abs(r0)));
        v128.store(prev + o, r0);
      }
    }
    live = v128.any_true(anyAlive) ? 1 : 0;
    if (last) break;
    // Pass 3: a ← a − (η r) p where KEEP; amin tracks the smallest scalar (pmin ignores NaN).
    for (let i = 0; i < d; i++) {
      const ps = S + <usize>i * stride;
      for (let k = 0; k < K; k++) {
        const row = <usize>(k * d + i) * stride;
        const pa = a + row;
        const pp = P + row;
        for (let o: usize = 0; o < stride; o += 16) {
          const x = v128.load(pa + o);
          const next = v128.bitselect(f64x2.sub(x, f64x2.mul(v128.load(ps + o), v128.load(pp + o))), x, v128.load(KEEP + o));
          v128.store(pa + o, next);
          v128.store(amin + o, f64x2.pmin(v128.load(amin + o), next));
        }
      }
    }
    if (live == 0) break;
  }
  let count = 0;
  for (let q = 0; q < nPairs; q++) {
    const am = v128.load(alive + (<usize>q << 4));
    count += (i64x2.extract_lane(am, 0) != 0 ? 1 : 0) + (i64x2.extract_lane(am, 1) != 0 ? 1 : 0);
  }
  return count;
}


