/**
 * @file The elementwise kernels of the workspaces (tanh with derivatives, Hadamard products,
 * transposition): the WebAssembly kernels against the plain-JS fallbacks (bit for bit: they perform
 * the same IEEE operations in the same order), against independent references (mpmath values,
 * Math.tanh/Math.cosh, plain loops), at the edge values, at arbitrary offsets inside a workspace, in
 * place, and with arrays outside the workspace (which fall back to JS).
 */
import { describe, expect, it } from "vitest";
import {
  elementwise, hadamardAddJs, hadamardJs, jsBackend, tanhJs, transposeJs, type Backend, type Workspace,
} from "../../../src/engine/linalg/kernels.js";
import { createWasmBackend } from "../../../src/engine/linalg/wasm.js";

const wasm = createWasmBackend() as Backend;

// [x, tanh (hi, lo), tanh' (hi, lo), tanh'' (hi, lo)]: mpmath at 140 bits as double-doubles, printed by
// `npx tsx scripts/tanh-accuracy.ts --fixtures`: the arguments with the largest errors among the 2.3
// million that script sweeps, and edge values.
const FIXTURES: number[][] = [
  [-2.075979501443464, -0.9690202928561453, -2.895291301973538e-17, 0.06099967203299029, 1.4886189787773306e-18, 0.11821984011507414, 4.0789452250118985e-18],
  [-2.0635000000000012, -0.9682497695062308, 3.354079049572623e-17, 0.06249238385113107, 2.1146286853583547e-19, 0.1210164725195051, -3.1637255228446455e-18],
  [-1.706718502065315, -0.9362436919019603, 1.7453057009402238e-17, 0.12344774937378722, -2.6881720716129473e-18, 0.2311543532614049, 2.5746923210476617e-19],
  [-1.6985712325694005, -0.9352302216647443, -2.2933909126051922e-17, 0.12534443248491312, 2.0793270856385497e-18, 0.23445180275461375, 1.122077695354599e-17],
  [-1.689668840239901, -0.9341050178689874, 3.907345135342659e-17, 0.12744781559197887, -4.23000995903814e-18, 0.23809928812181766, -1.1007658784542792e-17],
  [-1.6668335867354878, -0.9311318114107054, -3.657842136818088e-17, 0.1329935497790184, 6.0715965510134595e-18, 0.24766904982335447, -4.8202258006210026e-18],
  [-0.5117879999999999, -0.47133715074535126, 1.735786474670665e-18, 0.777841290327254, 5.775413097737166e-19, 0.7332509950298709, 2.885358771234295e-17],
  [-0.22003091032959066, -0.21654752254699336, 1.1952761546219234e-18, 0.9531071704787594, 3.406650125966123e-17, 0.41278599297790036, 2.66048552975251e-17],
  [-0.21084300343144347, -0.2077732520496413, 2.2704837064051858e-18, 0.9568302757327162, 5.054428833589601e-17, 0.39760747609708286, 2.146570099437214e-17],
  [-0.1992960136367241, -0.19669866516125087, 3.427855215562187e-19, 0.9613096351237821, 2.262184450948488e-17, 0.3781766440709941, 2.392449869432586e-17],
  [0.1992960136367241, 0.19669866516125087, -3.427855215562187e-19, 0.9613096351237821, 2.262184450948488e-17, -0.3781766440709941, -2.392449869432586e-17],
  [0.21084300343144347, 0.2077732520496413, -2.2704837064051858e-18, 0.9568302757327162, 5.054428833589601e-17, -0.39760747609708286, -2.146570099437214e-17],
  [0.22003091032959066, 0.21654752254699336, -1.1952761546219234e-18, 0.9531071704787594, 3.406650125966123e-17, -0.41278599297790036, -2.66048552975251e-17],
  [0.5117879999999999, 0.47133715074535126, -1.735786474670665e-18, 0.777841290327254, 5.775413097737166e-19, -0.7332509950298709, -2.885358771234295e-17],
  [1.6668335867354878, 0.9311318114107054, 3.657842136818088e-17, 0.1329935497790184, 6.0715965510134595e-18, -0.24766904982335447, 4.8202258006210026e-18],
  [1.689668840239901, 0.9341050178689874, -3.907345135342659e-17, 0.12744781559197887, -4.23000995903814e-18, -0.23809928812181766, 1.1007658784542792e-17],
  [1.6985712325694005, 0.9352302216647443, 2.2933909126051922e-17, 0.12534443248491312, 2.0793270856385497e-18, -0.23445180275461375, -1.122077695354599e-17],
  [1.706718502065315, 0.9362436919019603, -1.7453057009402238e-17, 0.12344774937378722, -2.6881720716129473e-18, -0.2311543532614049, -2.5746923210476617e-19],
  [2.0635000000000012, 0.9682497695062308, -3.354079049572623e-17, 0.06249238385113107, 2.1146286853583547e-19, -0.1210164725195051, 3.1637255228446455e-18],
  [2.075979501443464, 0.9690202928561453, 2.895291301973538e-17, 0.06099967203299029, 1.4886189787773306e-18, -0.11821984011507414, -4.0789452250118985e-18],
  [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
  [5e-324, 5e-324, 0.0, 1.0, 0.0, -1e-323, 0.0],
  [1e-300, 1e-300, 0.0, 1.0, 0.0, -2e-300, 0.0],
  [1e-09, 1e-09, -3.3333333333333338e-28, 1.0, -1e-18, -2e-09, 2.666666666666667e-27],
  [0.1, 0.09966799462495582, 3.542433877641546e-18, 0.9900662908474398, -2.3263156556362292e-17, -0.19735584350906515, 2.4145949512493994e-18],
  [0.5, 0.46211715726000974, 2.1916603238260928e-17, 0.7864477329659274, 6.0689685225374924e-18, -0.7268619813835873, -1.2145362337821993e-17],
  [1.0, 0.7615941559557649, 3.7090214482164924e-17, 0.4199743416140261, -1.1598730457771976e-17, -0.6397000084492245, -2.2608261228096714e-17],
  [2.0, 0.9640275800758169, -1.9413550547557176e-17, 0.07065082485316447, -4.898517755015516e-18, -0.13621868742711304, 3.169219194471837e-18],
  [5.0, 0.9999092042625951, 2.298523750966507e-17, 0.0001815832309438067, -9.677411680154446e-21, -0.0003631334879209056, 1.1854604216677064e-20],
  [10.0, 0.9999999958776927, 3.693278996616596e-17, 8.244614455767397e-09, 5.983136127419214e-25, -1.6489228843561127e-08, 3.695071280187703e-25],
  [19.1, 1.0, -5.140209109690528e-17, 1.0280418219381054e-16, 4.7895528159961055e-33, -2.0560836438762109e-16, 9.895942445459831e-34],
  [40.0, 1.0, -3.609702800662644e-35, 7.219405551381661e-35, -5.054641449505631e-51, -1.4438811102763322e-34, 1.0109282899011262e-50],
  [300.0, 1.0, 0.0, 1.0601586212017243e-260, 2.550937126996558e-277, -2.1203172424034486e-260, -5.101874253993116e-277],
  [372.0, 1.0, 0.0, 3e-323, 0.0, -6e-323, -0.0],
  [-5e-324, -5e-324, 0.0, 1.0, 0.0, 1e-323, 0.0],
  [-1e-300, -1e-300, 0.0, 1.0, 0.0, 2e-300, 0.0],
  [-1e-09, -1e-09, 3.3333333333333338e-28, 1.0, -1e-18, 2e-09, -2.666666666666667e-27],
];

/** The spacing of doubles at |v| (np.spacing): 2^(e − 52) for normal v, 2^−1074 for subnormal and zero. */
function ulp(v: number): number {
  const f = new Float64Array([Math.abs(v)]);
  const e = (new Uint32Array(f.buffer)[1]! >>> 20) & 0x7ff;
  return e === 0 ? 2 ** -1074 : 2 ** (e - 1075);
}

/** |c − (hi + lo)| in ulps of hi (the difference c − hi is exact when it matters: c and hi are close). */
function ulpError(c: number, hi: number, lo: number): number {
  return Math.abs(c - hi - lo) / ulp(hi);
}

/** Deterministic uniform values in [−1, 1) (mulberry32). */
function filler(seed: number): (x: Float64Array, scale?: number) => void {
  let s = seed >>> 0;
  return (x, scale = 1) => {
    for (let i = 0; i < x.length; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      x[i] = scale * ((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1);
    }
  };
}

/** Same bits (NaN payloads aside): the kernels must agree exactly, not just closely. */
function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) {
      expect.fail(`${what}: element ${i}: ${a} vs ${e}`);
    }
  }
}

/** Arguments covering every regime of the tanh kernel: a dense grid, random values, special values. */
function tanhArguments(): Float64Array {
  const xs: number[] = [];
  for (let i = 0; i <= 20000; i++) xs.push(-30 + (60 * i) / 20000);
  const r = new Float64Array(4000);
  filler(5)(r, 4);
  xs.push(...r);
  const special = [0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-300, 1e-20, 1e-9, 2 ** -27, 19.06, 19.1, 354, 373, 380.9, 381, 381.1, 700, 710, 1e300, Infinity];
  xs.push(...special, ...special.map((v) => -v), NaN);
  return Float64Array.from(xs);
}

describe("tanh kernel", () => {
  it("matches 140-bit mpmath to the measured bounds (tanh ≤ 2.08, tanh' ≤ 4.03, tanh'' ≤ 5.83 ulp)", () => {
    // scripts/tanh-accuracy.ts measures these maxima over 2.3 million arguments (Math.tanh: 2.14 ulp);
    // the fixtures hold the arguments where they occur, so any change of the algorithm that loses
    // accuracy shows here. Bounds: the measured maxima rounded up in the second decimal.
    for (const backend of [wasm, jsBackend]) {
      const ws = backend.workspace(4 * FIXTURES.length);
      const z = ws.alloc(FIXTURES.length);
      const [t, d1, d2] = [ws.alloc(z.length), ws.alloc(z.length), ws.alloc(z.length)];
      z.set(FIXTURES.map((row) => row[0]!));
      ws.tanh!(z.length, z, t, d1, d2);
      FIXTURES.forEach(([x, th, tl, gh, gl, ch, cl], i) => {
        const errors = [ulpError(t[i]!, th!, tl!), ulpError(d1[i]!, gh!, gl!), ulpError(d2[i]!, ch!, cl!)];
        const bounds = [2.09, 4.04, 5.84];
        errors.forEach((e, j) => {
          expect(e, `${backend.name} ${["tanh", "tanh'", "tanh''"][j]}(${x}) = ${[t, d1, d2][j]![i]}: ${e.toFixed(3)} ulp`).toBeLessThanOrEqual(bounds[j]!);
        });
      });
    }
  });

  it("agrees with Math.tanh and 1/cosh² over a dense sweep within the two methods' errors", () => {
    // |ours − Math.tanh| ≤ 2.08 + 2.14 ulp (both measured against mpmath) < 4.5 ulp. The sech²
    // reference (1/Math.cosh)² carries two roundings plus cosh's own error, and tanh'' = −2·tanh·sech²
    // one more: 10 and 12 ulp bound those (measured differences on this grid: 3, 7 and 8 ulp). A wrong
    // formula or a lost lane misses by orders of magnitude more.
    const x = tanhArguments();
    const n = x.length;
    const [t, d1, d2] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    tanhJs(n, x, t, d1, d2);
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (Number.isNaN(v)) continue;
      const rt = Math.tanh(v);
      const s = 1 / Math.cosh(v);
      const r1 = s * s;
      const r2 = -2 * rt * r1;
      const at = `at x = ${v}`;
      expect(Math.abs(t[i]! - rt) / ulp(rt), `tanh ${at}: ${t[i]} vs ${rt}`).toBeLessThanOrEqual(4.5);
      expect(Math.abs(d1[i]! - r1) / ulp(r1), `tanh' ${at}: ${d1[i]} vs ${r1}`).toBeLessThanOrEqual(10);
      expect(Math.abs(d2[i]! - r2) / ulp(r2), `tanh'' ${at}: ${d2[i]} vs ${r2}`).toBeLessThanOrEqual(12);
    }
  });

  it("is exact where tanh is: ±0, denormals and |x| ≤ 1e−9 give tanh = x, tanh' = 1, tanh'' = −2x; ±1 from |x| ≥ 19.1", () => {
    const tiny = [0, -0, 5e-324, -5e-324, 1e-310, -2.2250738585072014e-308, 1e-300, -1e-20, 1e-9, -1e-9];
    const big = [19.1, -19.1, 25, -40, 381, -1e300, Infinity, -Infinity];
    const z = Float64Array.from([...tiny, ...big]);
    const [t, d1, d2] = [new Float64Array(z.length), new Float64Array(z.length), new Float64Array(z.length)];
    for (const ws of [wasm.workspace(4 * z.length), null]) {
      if (ws) {
        const [wz, wt, w1, w2] = [ws.alloc(z.length), ws.alloc(z.length), ws.alloc(z.length), ws.alloc(z.length)];
        wz.set(z);
        ws.tanh!(z.length, wz, wt, w1, w2);
        t.set(wt); d1.set(w1); d2.set(w2);
      } else {
        tanhJs(z.length, z, t, d1, d2);
      }
      tiny.forEach((x, i) => {
        expect(Object.is(t[i], x), `tanh(${Object.is(x, -0) ? "-0" : x}) = ${t[i]}`).toBe(true);
        expect(d1[i]).toBe(1);
        expect(Object.is(d2[i], -2 * x), `tanh''(${x}) = ${d2[i]}`).toBe(true);
      });
      big.forEach((x, j) => {
        const i = tiny.length + j;
        expect(t[i]).toBe(Math.sign(x));
        // tanh' = 4e^{−2|x|}(1 + …): relative accuracy all the way (0 only once that underflows).
        const expected = 4 * Math.exp(-2 * Math.abs(x));
        if (expected > 1e-300) expect(Math.abs(d1[i]! - expected) / expected).toBeLessThan(1e-14);
        else expect(d1[i]).toBe(0);
      });
    }
  });

  it("keeps the symmetries bit for bit: tanh and tanh'' odd, tanh' even; NaN gives NaN", () => {
    const x = tanhArguments();
    const n = x.length;
    const neg = x.map((v) => -v);
    const out = () => [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
    const [t, d1, d2] = out();
    const [u, e1, e2] = out();
    tanhJs(n, x, t, d1, d2);
    tanhJs(n, neg, u, e1, e2);
    expectSameBits(u, t.map((v) => -v), "tanh(−x) = −tanh(x)");
    expectSameBits(e1, d1, "tanh'(−x) = tanh'(x)");
    expectSameBits(e2, d2.map((v) => -v), "tanh''(−x) = −tanh''(x)");
    const i = n - 1;
    expect([x[i], t[i], d1[i], d2[i]].every(Number.isNaN)).toBe(true);
  });

  it("WebAssembly = tanhJs bit for bit, at every offset and length, in place, with and without tanh''", () => {
    const x = tanhArguments();
    const n = x.length;
    const [t, d1, d2] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
    tanhJs(n, x, t, d1, d2);
    for (const pad of [0, 1, 2, 3]) {
      const ws = wasm.workspace(4 * n + 4 * pad + 8);
      ws.alloc(pad);
      const z = ws.alloc(n);
      ws.alloc(pad);
      const [wt, w1] = [ws.alloc(n), ws.alloc(n)];
      const w2 = ws.alloc(n).fill(7);
      z.set(x);
      ws.tanh!(n, z, wt, w1, w2);
      expectSameBits(wt, t, `tanh, pad ${pad}`);
      expectSameBits(w1, d1, `tanh', pad ${pad}`);
      expectSameBits(w2, d2, `tanh'', pad ${pad}`);
      // Every remainder of the 8-wide main loop, and d2 = null (left untouched).
      for (let len = 0; len <= 19; len++) {
        const sub = z.subarray(pad, pad + len);
        w1.fill(-1);
        w2.fill(7);
        ws.tanh!(len, sub, wt, w1, null);
        expectSameBits(w1.subarray(0, len), d1.subarray(pad, pad + len), `tanh', length ${len}`);
        expect(w1[len], `tanh' wrote past length ${len}`).toBe(-1);
        expect(w2.every((v) => v === 7), "d2 = null must not be written").toBe(true);
      }
      // In place: t = z.
      z.set(x);
      ws.tanh!(n, z, z, w1, w2);
      expectSameBits(z, t, `tanh in place, pad ${pad}`);
    }
  });

  it("keeps its constant table out of the alloc'd doubles: a full workspace, overwritten, still computes tanh", () => {
    // 8192 doubles fill one 64 KiB page exactly, so the table must live in a page of its own.
    const ws = wasm.workspace(8192);
    const all = ws.alloc(8192);
    const fill = filler(3);
    fill(all, 1e300);
    const n = 2048;
    const z = all.subarray(0, n);
    fill(z, 5);
    const expected = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
    tanhJs(n, z, ...expected);
    ws.tanh!(n, z, all.subarray(n, 2 * n), all.subarray(2 * n, 3 * n), all.subarray(8192 - n));
    expectSameBits(all.subarray(n, 2 * n), expected[0], "tanh");
    expectSameBits(all.subarray(2 * n, 3 * n), expected[1], "tanh'");
    expectSameBits(all.subarray(8192 - n), expected[2], "tanh''");
  });
});

describe("Hadamard products and transposition", () => {
  const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 257, 1024];

  it("hadamard and hadamardAdd equal plain loops exactly (one rounding per operation, same order)", () => {
    for (const n of lengths) {
      for (const pad of [0, 1]) {
        const ws = wasm.workspace(7 * n + 8 * pad + 8);
        const arr = () => {
          ws.alloc(pad);
          return ws.alloc(n);
        };
        const [a, b, c, d, e, out] = [arr(), arr(), arr(), arr(), arr(), arr()];
        [a, b, c, d, e].forEach((v, i) => filler(n * 10 + i)(v, 3));
        const guard = ws.alloc(1).fill(42);
        ws.hadamard!(n, a, b, out);
        expectSameBits(out, a.map((v, i) => v * b[i]!), `hadamard n=${n}`);
        ws.hadamardAdd!(n, a, b, c, d, e, out);
        expectSameBits(out, a.map((v, i) => v * b[i]! + c[i]! * d[i]! * e[i]!), `hadamardAdd n=${n}`);
        expect(guard[0]).toBe(42);
        // In place, as the model uses them (δ = E ⊙ φ' into E's neighbour; dδ ← dδ ⊙ φ' + …).
        const expected = a.map((v, i) => v * b[i]! + c[i]! * d[i]! * e[i]!);
        ws.hadamardAdd!(n, a, b, c, d, e, a);
        expectSameBits(a, expected, `hadamardAdd in place n=${n}`);
        const sq = b.map((v) => v * v);
        ws.hadamard!(n, b, b, b);
        expectSameBits(b, sq, `hadamard in place n=${n}`);
      }
    }
  });

  it("transpose moves every element to its mirrored place, for all parities of the shape", () => {
    for (const [rows, cols] of [[1, 1], [1, 5], [5, 1], [2, 3], [3, 2], [4, 4], [7, 9], [64, 4], [4, 64], [64, 16], [16, 64], [33, 17]]) {
      const ws = wasm.workspace(2 * rows * cols + 3);
      ws.alloc(1);
      const a = ws.alloc(rows * cols);
      const out = ws.alloc(rows * cols);
      const guard = ws.alloc(1).fill(42);
      a.forEach((_, i) => (a[i] = i + 0.5));
      ws.transpose!(rows, cols, a, out);
      const expected = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expected[j * rows + i] = a[i * cols + j]!;
      expectSameBits(out, expected, `transpose ${rows}×${cols}`);
      expect(guard[0]).toBe(42);
    }
  });

  it("fall back to the JS kernels for arrays outside the workspace, and check lengths inside it", () => {
    const ws = wasm.workspace(64);
    const inside = ws.alloc(16);
    filler(1)(inside, 2);
    const foreign = Float64Array.from(inside);
    const out = new Float64Array(16);
    ws.hadamard!(16, inside, foreign, out);
    expectSameBits(out, inside.map((v) => v * v), "hadamard, foreign out");
    ws.hadamardAdd!(16, foreign, inside, inside, foreign, inside, out);
    expectSameBits(out, inside.map((v) => v * v + v * v * v), "hadamardAdd, foreign");
    const [t, d1] = [new Float64Array(16), new Float64Array(16)];
    ws.tanh!(16, inside, t, d1, null);
    const [rt, r1] = [new Float64Array(16), new Float64Array(16)];
    tanhJs(16, foreign, rt, r1, null);
    expectSameBits(t, rt, "tanh, foreign outputs");
    ws.transpose!(4, 4, inside, out);
    const rt2 = new Float64Array(16);
    transposeJs(4, 4, foreign, rt2);
    expectSameBits(out, rt2, "transpose, foreign output");
    // Too short inside the workspace: a RangeError instead of touching a neighbouring buffer.
    const short = ws.alloc(8);
    expect(() => ws.hadamard!(16, inside, inside, short)).toThrow(RangeError);
    expect(() => ws.hadamardAdd!(16, inside, inside, inside, inside, short, inside)).toThrow(RangeError);
    expect(() => ws.tanh!(16, inside, short, inside, null)).toThrow(RangeError);
    expect(() => ws.transpose!(4, 4, inside, short)).toThrow(RangeError);
  });
});

describe("elementwise(ws)", () => {
  it("returns the workspace's own kernels for both backends", () => {
    for (const backend of [wasm, jsBackend]) {
      const ws = backend.workspace(8);
      expect(elementwise(ws)).toBe(ws);
    }
  });

  it("gives a workspace without them (a backend written against the older interface) the JS kernels", () => {
    const base = jsBackend.workspace(32);
    const old: Workspace = { backend: "old", alloc: (n) => base.alloc(n), gemm: base.gemm, axpy: base.axpy };
    const k = elementwise(old);
    expect(k.tanh).toBe(tanhJs);
    expect(k.hadamard).toBe(hadamardJs);
    expect(k.hadamardAdd).toBe(hadamardAddJs);
    expect(k.transpose).toBe(transposeJs);
  });
});
