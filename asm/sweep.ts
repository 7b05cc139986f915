// Batched reduced dynamics of many runs at once (src/sweep/batch.ts drives it): depth-balanced GD
// a_{k,i} ← a_{k,i} − η r_i a_{k,i}^{L_k−1}, r_i = Σ_k a_{k,i}^{L_k} − σ_i, on a block of B runs laid
// out lane-fastest (entry (k·d + i)·B + run), two runs per f64x2 vector, with the stop rules of
// src/engine/simulate.ts per run. Every arithmetic operation is the one of balancedGdStepTyped
// (src/engine/dynamics/reduced.ts) in the same order, and WebAssembly rounds each f64 operation
// separately (no fused multiply-add), so every run's state is bit for bit the single-run state.
//
// Per run (lane) the caller owns: eta, div (divergence bound), conv (convergence bound), alive
// (all-ones while running), status (0 running; 1 converged, 2 diverged at a record step; 3, 4 after
// a step between records), final (step of the final
// record), the online end-of-run classification (flips, first, second, prev: simulate.ts
// classifyEnd over the last n steps) and amin (smallest layer scalar seen: sign flips).

/** Pre-step loss of one pair of runs (offset `off` bytes into every lane array); writes p = a^{L−1} to pbuf. */
@inline function pairLoss(K: i32, d: i32, depths: usize, a: usize, sigma: usize, stride: usize, off: usize, pbuf: usize, r0out: usize): v128 {
  let loss = f64x2.splat(0);
  const half = f64x2.splat(0.5);
  for (let i = 0; i < d; i++) {
    let s = f64x2.splat(0);
    for (let k = 0; k < K; k++) {
      const at = a + <usize>(k * d + i) * stride + off;
      const ak = v128.load(at);
      const L = load<i32>(depths + (<usize>k << 2));
      let p = f64x2.splat(1);
      for (let j = 1; j < L; j++) p = f64x2.mul(p, ak);
      v128.store(pbuf + (<usize>(k * d + i) << 4), p);
      s = f64x2.add(s, f64x2.mul(p, ak));
    }
    const r = f64x2.sub(s, v128.load(sigma + <usize>i * stride + off));
    if (i == 0) v128.store(r0out, r);
    loss = f64x2.add(loss, f64x2.mul(f64x2.mul(half, r), r));
    // The residual of mode i is kept for the update pass.
    v128.store(pbuf + (<usize>(K * d + i) << 4), r);
  }
  return loss;
}

/** GD update of one pair from pbuf (p and r of pairLoss): lanes in `keep` move, others stay. */
@inline function pairUpdate(K: i32, d: i32, a: usize, eta: v128, stride: usize, off: usize, pbuf: usize, keep: v128, amin: v128): v128 {
  let m = amin;
  for (let i = 0; i < d; i++) {
    const er = f64x2.mul(eta, v128.load(pbuf + (<usize>(K * d + i) << 4)));
    for (let k = 0; k < K; k++) {
      const at = a + <usize>(k * d + i) * stride + off;
      const ak = v128.load(at);
      const next = v128.bitselect(f64x2.sub(ak, f64x2.mul(er, v128.load(pbuf + (<usize>(k * d + i) << 4)))), ak, keep);
      v128.store(at, next);
      // pmin ignores NaN in `next`: a diverging run's NaN is not a sign flip.
      m = f64x2.pmin(m, next);
    }
  }
  return m;
}

/**
 * Advance a block of 2·nPairs runs over steps t0 ≤ t < t1 (t = steps: the final check only). Lane
 * arrays hold B = 2·nPairs doubles each; `a` and `sigma` are (K·d)×B and d×B; `pbuf` is scratch of
 * 16·(K + 1)·d bytes. Record steps (t = 0, t = steps, t ≡ 0 mod recEvery or sharpEvery) check the
 * loss before the update, as Simulation does; other steps update and then check, so a run that stops
 * there ends one step later. Returns the number of runs still alive.
 */
export function sweep_balanced(
  nPairs: i32, K: i32, d: i32, depths: usize, a: usize, sigma: usize, eta: usize, div: usize, conv: usize,
  alive: usize, status: usize, final: usize, flips: usize, first: usize, second: usize, prev: usize, amin: usize,
  pbuf: usize, t0: i32, t1: i32, steps: i32, recEvery: i32, sharpEvery: i32, histStart: i32, n: i32,
): i32 {
  const stride = <usize>nPairs << 4;
  const r0 = pbuf + (<usize>((K + 1) * d) << 4);
  const one = f64x2.splat(1);
  const two = f64x2.splat(2);
  for (let t = t0; t < t1; t++) {
    const rec = t == 0 || t == steps || t % recEvery == 0 || (sharpEvery > 0 && t % sharpEvery == 0);
    const last = t == steps;
    const hist = t >= histStart && t < steps;
    const j = t - histStart;
    const tv = f64x2.splat(<f64>t);
    const tv1 = f64x2.splat(<f64>(t + 1));
    for (let q = 0; q < nPairs; q++) {
      const off = <usize>q << 4;
      const am = v128.load(alive + off);
      if (!v128.any_true(am)) continue;
      const loss = pairLoss(K, d, depths, a, sigma, stride, off, pbuf, r0);
      const bad = v128.not(f64x2.le(loss, v128.load(div + off)));
      const stop = v128.and(am, v128.or(bad, f64x2.le(loss, v128.load(conv + off))));
      const any = v128.any_true(stop);
      if (any) {
        // 1 converged, 2 diverged at a record step; 3, 4 the same after a tight-loop step.
        const code = v128.bitselect(two, one, bad);
        v128.store(status + off, v128.bitselect(rec ? code : f64x2.add(code, two), v128.load(status + off), stop));
        v128.store(final + off, v128.bitselect(rec ? tv : tv1, v128.load(final + off), stop));
        v128.store(alive + off, v128.andnot(am, stop));
      }
      if (!last) {
        // At a record step a stopping run keeps its pre-step state; elsewhere it takes the step.
        const keep = rec && any ? v128.andnot(am, stop) : am;
        v128.store(amin + off, pairUpdate(K, d, a, v128.load(eta + off), stride, off, pbuf, keep, v128.load(amin + off)));
      }
      if (hist) {
        const r = v128.load(r0);
        const pr = v128.load(prev + off);
        if (j > 0) {
          // r·prev < 0 → add 1 (the comparison mask AND the bits of 1.0).
          const flip = v128.and(f64x2.lt(f64x2.mul(r, pr), f64x2.splat(0)), one);
          v128.store(flips + off, f64x2.add(v128.load(flips + off), flip));
        }
        if (2 * j < n) v128.store(first + off, f64x2.add(v128.load(first + off), f64x2.abs(r)));
        else v128.store(second + off, f64x2.add(v128.load(second + off), f64x2.abs(r)));
        v128.store(prev + off, r);
      }
    }
  }
  let count = 0;
  for (let q = 0; q < nPairs; q++) {
    const am = v128.load(alive + (<usize>q << 4));
    count += (i64x2.extract_lane(am, 0) != 0 ? 1 : 0) + (i64x2.extract_lane(am, 1) != 0 ? 1 : 0);
  }
  return count;
}
