/**
 * @file An independent autodiff oracle for the MLP, used only in tests: the same network and loss
 * written in @jax-js/jax (float64, wasm backend), differentiated by jax-js's own reverse mode (gradient)
 * and forward-over-reverse (`jvp` of `grad`, the Hessian-vector product). Nothing here shares code
 * with src/engine/mlp.
 *
 * jax-js's transcendental primitives (exp, tanh, sin, erf) are accurate only to float32 level
 * (~1e-7 relative, measured) even on float64 arrays, which would hide any error below that. So the
 * activations are built here from +, −, ×, ÷ only, with algorithms different from the engine's:
 * exp by a degree-24 Taylor polynomial with 4 squarings, sin by its Taylor series, and erf by the
 * all-positive series erf(x) = (2/√π)·x·e^{−x²}·Σ_{n<40} (2x²)^n/(2n+1)!! (its tail is below 1e-17
 * relative for |x| ≤ 2.6). On |x| ≤ 2.5 these agree with the true functions to ~1e-15 (checked in the
 * oracle test), and autodiff through them gives φ' and φ'' to the same accuracy; the test network
 * keeps its pre-activations in that range.
 */
import type { Array as JaxArray } from "@jax-js/jax";

type Jax = typeof import("@jax-js/jax");

let jaxModule: Jax | null = null;

/** Load and start jax-js once (wasm device; Node 20 lacks Float16Array, which jax-js only probes for). */
export async function loadJax(): Promise<Jax> {
  if (jaxModule) return jaxModule;
  const g = globalThis as { Float16Array?: unknown };
  // A stand-in class: jax-js references Float16Array at load time; float16 is never used here.
  if (g.Float16Array === undefined) g.Float16Array = class extends Float32Array {};
  const jax = await import("@jax-js/jax");
  await jax.init("wasm");
  jaxModule = jax;
  return jax;
}

/** Σ_{j=0}^{N} c_j·u^j by Horner's rule (consumes u). */
function horner(u: JaxArray, coeffs: readonly number[]): JaxArray {
  let p = u.ref.mul(coeffs[coeffs.length - 1]!).add(coeffs[coeffs.length - 2]!);
  for (let j = coeffs.length - 3; j >= 0; j--) p = p.mul(u.ref).add(coeffs[j]!);
  u.dispose();
  return p;
}

const EXP_TAYLOR = Array.from({ length: 25 }, (_, j) => {
  let f = 1;
  for (let i = 2; i <= j; i++) f *= i;
  return 1 / f;
});
const SIN_TAYLOR = Array.from({ length: 30 }, (_, n) => {
  let f = 1;
  for (let i = 2; i <= 2 * n + 1; i++) f *= i;
  return (n % 2 === 0 ? 1 : -1) / f;
});
const ERF_SERIES = Array.from({ length: 40 }, (_, n) => {
  let f = 1;
  for (let i = 3; i <= 2 * n + 1; i += 2) f *= i;
  return 1 / f;
});

/** exp(x) = (Taylor₂₄(x/16))^16 (consumes x). */
function expArith(x: JaxArray): JaxArray {
  let p = horner(x.mul(1 / 16), EXP_TAYLOR);
  for (let i = 0; i < 4; i++) p = p.ref.mul(p);
  return p;
}

/** erf by the positive series (consumes x). */
function erfArith(x: JaxArray): JaxArray {
  const x2 = x.ref.mul(x.ref);
  const s = horner(x2.ref.mul(2), ERF_SERIES);
  return x.mul(2 / Math.sqrt(Math.PI)).mul(expArith(x2.neg())).mul(s);
}

/** The activation `name` in jax-js arithmetic (consumes x). */
export function jaxActivation(jax: Jax, name: string, x: JaxArray): JaxArray {
  switch (name) {
    case "linear":
      return x;
    case "tanh": {
      const e = expArith(x.mul(2));
      return e.ref.sub(1).div(e.add(1));
    }
    case "relu":
      return jax.nn.relu(x);
    case "gelu":
      return x.ref.mul(erfArith(x.mul(Math.SQRT1_2)).add(1)).mul(0.5);
    case "swish":
      return x.ref.div(expArith(x.neg()).add(1));
    case "erf":
      return erfArith(x);
    case "sin": {
      const x2 = x.ref.mul(x.ref);
      return x.mul(horner(x2, SIN_TAYLOR));
    }
    default:
      throw new Error(`no oracle for activation ${name}`);
  }
}

/** One layer's parameters as the oracle sees them (row-major data, shapes). */
export interface OracleLayer {
  rows: number;
  cols: number;
  w: Float64Array;
  b: Float64Array | null;
}

/** What the oracle computes at θ along v. */
export interface OracleResult {
  loss: number;
  grad: Float64Array;
  hvp: Float64Array;
}

/**
 * Loss, gradient and Hessian-vector product of ½‖Σ_k f_k(X) − Y‖²_F for pathways given layer by layer
 * (θ and v in the engine's layout: per layer the weights, then the bias if any).
 */
export async function oracle(
  activation: string, paths: OracleLayer[][], vPaths: OracleLayer[][], X: Float64Array, dIn: number, Y: Float64Array, d: number,
): Promise<OracleResult> {
  const jax = await loadJax();
  const { numpy: np } = jax;
  const f64 = (a: Float64Array, shape: number[]) => np.array(a, { dtype: np.float64 }).reshape(shape);
  const n = d;
  type Params = JaxArray[];
  const flatten = (ps: OracleLayer[][]): Params =>
    ps.flatMap((layers) => layers.flatMap((ly) => (ly.b ? [f64(ly.w, [ly.rows, ly.cols]), f64(ly.b, [ly.rows, 1])] : [f64(ly.w, [ly.rows, ly.cols])])));
  const loss = (params: Params): JaxArray => {
    let j = 0;
    let F: JaxArray | null = null;
    for (const layers of paths) {
      let h = f64(X, [dIn, n]);
      layers.forEach((ly, l) => {
        let z = np.matmul(params[j++]!, h);
        if (ly.b) z = z.add(params[j++]!);
        h = l < layers.length - 1 ? jaxActivation(jax, activation, z) : z;
      });
      F = F === null ? h : F.add(h);
    }
    const R = F!.sub(f64(Y, [d, n]));
    return R.ref.mul(R).sum().mul(0.5);
  };
  const value = loss(flatten(paths)).item();
  // Eager on purpose: jax-js 0.1.25's jit returned wrong Hessian-vector products for this function
  // (errors of order 1, seen while writing this oracle), eager evaluation agrees to ~1e-15.
  const g = jax.grad(loss)(flatten(paths)) as JaxArray[];
  const [, hv] = jax.jvp(jax.grad(loss), [flatten(paths)], [flatten(vPaths)]) as unknown as [JaxArray[], JaxArray[]];
  const collect = (arrs: JaxArray[]) => {
    const parts = arrs.map((a) => Float64Array.from(a.dataSync() as ArrayLike<number>));
    const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  return { loss: value, grad: collect(g), hvp: collect(hv) };
}
