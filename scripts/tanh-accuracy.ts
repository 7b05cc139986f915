/**
 * Accuracy of the elementwise tanh kernel (`tanhJs`, and the WebAssembly `tanh_d`, which must return the
 * same bits) against 140-bit mpmath over 2.3 million arguments: dense grids on [−25, 25] and
 * [−1.2, 1.2], a log sweep from 1e−320 to 1e3 (denormals included), random uniform and random-bit
 * doubles, both sides of every range-reduction boundary k·ln2/4, and ±0, ±∞, NaN, the clamp at 381.
 * Prints the largest error in ulps of tanh, tanh' = sech² and tanh'' = −2·tanh·sech² (and of Math.tanh
 * for comparison); with `--fixtures` also prints the reference rows of test/engine/linalg/elementwise.test.ts
 * (the worst arguments of each function plus edge cases, with double-double mpmath values).
 *
 * Usage: `npx tsx scripts/tanh-accuracy.ts [--fixtures]` (needs python3 with mpmath and numpy; ~1 minute).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tanhJs } from "../src/engine/linalg/kernels.js";
import { createWasmBackend } from "../src/engine/linalg/wasm.js";
import { Rng } from "../src/engine/rng.js";

const fixtures = process.argv.includes("--fixtures");

// ---- the arguments
const xs: number[] = [];
const grid = (a: number, b: number, n: number) => {
  for (let i = 0; i <= n; i++) xs.push(a + ((b - a) * i) / n);
};
grid(-25, 25, 200000);
grid(-1.2, 1.2, 100000);
for (let i = 0; i <= 100000; i++) xs.push(10 ** (-320 + (323 * i) / 100000));
const rng = new Rng(20240601);
for (let i = 0; i < 200000; i++) xs.push(80 * rng.uniform() - 40);
for (let i = 0; i < 400000; i++) xs.push(6 * rng.uniform() - 3);
for (let i = 0; i < 100000; i++) xs.push(rng.uniform() - 0.5);
// Random bit patterns (finite, |x| < 1000): uniform over exponents, so tiny arguments are well covered.
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
for (let i = 0; i < 100000; i++) {
  words[0] = Math.floor(rng.uniform() * 2 ** 32);
  words[1] = Math.floor(rng.uniform() * 2 ** 32);
  if (Number.isFinite(bits[0]) && Math.abs(bits[0]) < 1000) xs.push(bits[0]);
}
// Range-reduction boundaries: y = −2|x| crosses (k + ½)·ln2 at |x| = (2k + 1)·ln2/4.
for (let k = 0; k < 1200; k++) {
  const c = (k * Math.LN2) / 4;
  xs.push(c, c * (1 - 2 ** -50), c * (1 + 2 ** -50));
}
// The worst arguments earlier sweeps (other seeds and grids) found.
xs.push(0.21084300343144347, 0.22003091032959066, 0.5117879999999999, 2.418521758716807, 1.6668335867354878, 1.6814999999999998);
xs.push(0, 5e-324, 2.2250738585072014e-308, 1e-300, 1e-9, 2 ** -27, 19.06, 19.1, 354, 355, 372, 373, 380, 381, 382, 700, 710, 1e300, Infinity);
const positives = xs.length;
for (let i = 0; i < positives; i++) xs.push(-xs[i]!);
xs.push(NaN);
const x = Float64Array.from(xs);
const n = x.length;

// ---- our kernel (JS and, where available, WebAssembly), and Math.tanh
const t = new Float64Array(n);
const d1 = new Float64Array(n);
const d2 = new Float64Array(n);
tanhJs(n, x, t, d1, d2);
const wasm = createWasmBackend();
if (wasm) {
  const ws = wasm.workspace(4 * n);
  const [wz, wt, w1, w2] = [ws.alloc(n), ws.alloc(n), ws.alloc(n), ws.alloc(n)];
  wz.set(x);
  ws.tanh!(n, wz, wt, w1, w2);
  const same = (a: Float64Array, b: Float64Array) => a.every((v, i) => Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i]!)));
  if (!same(wt, t) || !same(w1, d1) || !same(w2, d2)) throw new Error("the WebAssembly kernel and tanhJs disagree");
  console.log(`WebAssembly kernel and tanhJs: identical bits on all ${n} arguments`);
}
const mathTanh = x.map(Math.tanh);

const dir = mkdtempSync(join(tmpdir(), "tanh-accuracy-"));
for (const [name, a] of Object.entries({ x, t, d1, d2, mathTanh })) writeFileSync(join(dir, `${name}.bin`), new Uint8Array(a.buffer));

// ---- references and errors (python3 + mpmath)
const python = String.raw`
import sys, numpy as np, mpmath
mpmath.mp.prec = 140
d = sys.argv[1]; fixtures = sys.argv[2] == "1"
load = lambda name: np.fromfile(f"{d}/{name}.bin", dtype=np.float64)
x, t, d1, d2, mt = (load(k) for k in ("x", "t", "d1", "d2", "mathTanh"))
ref = {}
def refs(v):
    a = abs(v)
    if a not in ref:
        m = mpmath.mpf(a)
        th = mpmath.tanh(m); s = mpmath.sech(m) ** 2
        ref[a] = (th, s, -2 * th * s)
    th, s, dd = ref[a]
    return (th, s, dd) if v >= 0 else (-th, s, -dd)
def split(v):
    hi = float(v); return hi, float(v - hi)
R = np.zeros((len(x), 6))
for i, v in enumerate(x):
    if np.isnan(v): R[i] = np.nan; continue
    for j, r in enumerate(refs(float(v))): R[i, 2*j:2*j+2] = split(r)
def ulps(c, hi, lo):
    with np.errstate(all="ignore"):
        e = np.abs((c - hi) - lo) / np.spacing(np.abs(hi))
    e[(c == hi) & (lo == 0)] = 0
    e[np.isnan(c) & np.isnan(hi)] = 0
    e[np.isnan(c) != np.isnan(hi)] = np.inf
    return e
worst = {}
for j, (name, c) in enumerate((("tanh", t), ("tanh'", d1), ("tanh''", d2), ("Math.tanh", mt))):
    jj = 0 if name == "Math.tanh" else j
    e = ulps(c, R[:, 2*jj], R[:, 2*jj+1]); i = int(np.argmax(e))
    print(f"{name:10s} max {e[i]:.3f} ulp at x = {x[i]!r}, mean {np.mean(e):.3f} ulp")
    worst[name] = np.argsort(-e)[:8]
if fixtures:
    pick = sorted(set(float(x[i]) for k in ("tanh", "tanh'", "tanh''") for i in worst[k]))
    edge = [0.0, 5e-324, 1e-300, 1e-9, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 19.1, 40.0, 300.0, 372.0]
    print("// [x, tanh (hi, lo), tanh' (hi, lo), tanh'' (hi, lo)]: mpmath at 140 bits as double-doubles (scripts/tanh-accuracy.ts --fixtures)")
    rows = pick + edge + [-v for v in edge[1:4]]
    for v in rows:
        cells = [repr(v)] + [repr(c) for r in refs(v) for c in split(r)]
        print("  [" + ", ".join(cells) + "],")
`;
const res = spawnSync("python3", ["-c", python, dir, fixtures ? "1" : "0"], { stdio: "inherit" });
if (res.status !== 0) process.exit(res.status ?? 1);
