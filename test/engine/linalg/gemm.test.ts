/**
 * @file The WebAssembly kernels against two independent references (a naive triple loop and the
 * plain-JS `gemmJs`), for every transpose combination, beta 0/1, ragged shapes and offsets, plus
 * the workspace contract (fixed memory, capacity, JS fallback for foreign arrays) and axpy.
 *
 * Tolerance. Any summation order of c = β·c₀ + Σ_{p<k} a_p b_p in binary64 satisfies
 * |ĉ − c| ≤ γ_{k+1}·S with S = β|c₀| + Σ_p |a_p||b_p| and γ_n = n·u/(1 − n·u), u = 2⁻⁵³
 * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §3.1). Two results computed
 * in different orders (SIMD lanes split p into even/odd partial sums) therefore differ by at most
 * 2·γ_{k+1}·S, which is the bound used element by element below: c = 2, no fudge factor.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { axpyJs, gemmJs, getDefaultBackend, jsBackend, setDefaultBackend, type Backend, type Workspace } from "../../../src/engine/linalg/kernels.js";
import { createWasmBackend, decodeBase64 } from "../../../src/engine/linalg/wasm.js";

const wasm = createWasmBackend();
const U = 2 ** -53;

/** Deterministic uniform values in [−1, 1) (mulberry32), so every failure is reproducible from its seed. */
function filler(seed: number): (x: Float64Array) => void {
  let s = seed >>> 0;
  return (x) => {
    for (let i = 0; i < x.length; i++) {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      x[i] = (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1;
    }
  };
}

interface Case {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  beta: 0 | 1;
}

/** Reference product by the definition, plus the error scale S_ij = β|c₀_ij| + Σ_p |op(A)_ip||op(B)_pj|. */
function naive(cs: Case, a: Float64Array, b: Float64Array, c0: Float64Array): { c: Float64Array; scale: Float64Array } {
  const { m, n, k, transA, transB, beta } = cs;
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = beta ? c0[i * n + j] : 0;
      let abs = beta ? Math.abs(c0[i * n + j]) : 0;
      for (let p = 0; p < k; p++) {
        const x = transA ? a[p * m + i] : a[i * k + p];
        const y = transB ? b[j * k + p] : b[p * n + j];
        s += x * y;
        abs += Math.abs(x * y);
      }
      c[i * n + j] = s;
      scale[i * n + j] = abs;
    }
  }
  return { c, scale };
}

function describeCase(cs: Case): string {
  return `${cs.m}×${cs.n}×${cs.k} ${cs.transA ? "T" : "N"}${cs.transB ? "T" : "N"} beta=${cs.beta}`;
}

/** Fail unless |actual − expected| ≤ 2·γ_{k+1}·scale element by element; the message names the worst element. */
function expectWithinRoundoff(actual: Float64Array, expected: Float64Array, scale: Float64Array, cs: Case, what: string): void {
  const n = cs.k + 1;
  const gamma = (n * U) / (1 - n * U);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    const bound = 2 * gamma * scale[i];
    const ratio = Number.isNaN(diff) ? Infinity : diff === 0 ? 0 : diff / bound;
    if (ratio > worst) {
      worst = ratio;
      at = i;
    }
  }
  if (worst > 1) {
    expect.fail(
      `${what} ${describeCase(cs)}: C[${Math.floor(at / cs.n)},${at % cs.n}] = ${actual[at]}, expected ${expected[at]} ` +
        `(|diff| ${Math.abs(actual[at] - expected[at]).toExponential(3)} > tolerance 2·γ_${n}·S = ${(2 * gamma * scale[at]).toExponential(3)})`,
    );
  }
}

const GUARD = 3;
const SENTINEL = 12345.678;

/**
 * Run one case on `ws` with A, B and C allocated after pads of `pad` doubles (so they sit at
 * arbitrary 8-byte offsets) and C fenced by sentinel guards; check against the naive product.
 */
function runCase(ws: Workspace, cs: Case, seed: number, pad: number): void {
  const { m, n, k, transA, transB, beta } = cs;
  const fill = filler(seed);
  ws.alloc(pad);
  const a = ws.alloc(m * k);
  ws.alloc(pad % 3);
  const b = ws.alloc(k * n);
  const before = ws.alloc(GUARD).fill(SENTINEL);
  const c = ws.alloc(m * n);
  const after = ws.alloc(GUARD).fill(SENTINEL);
  fill(a);
  fill(b);
  const c0 = new Float64Array(m * n);
  fill(c0);
  // beta = 0 must ignore C completely, NaN included.
  if (beta === 0) c.fill(Number.NaN);
  else c.set(c0);
  const ref = naive(cs, a, b, c0);

  ws.gemm(m, n, k, a, transA, b, transB, c, beta);
  expectWithinRoundoff(c, ref.c, ref.scale, cs, `${ws.backend} gemm`);
  expect([...before, ...after], `${ws.backend} gemm ${describeCase(cs)} wrote outside C`).toEqual(new Array(2 * GUARD).fill(SENTINEL));

  const js = new Float64Array(m * n);
  if (beta === 1) js.set(c0);
  gemmJs(m, n, k, Float64Array.from(a), transA, Float64Array.from(b), transB, js, beta);
  expectWithinRoundoff(c, js, ref.scale, cs, `${ws.backend} gemm vs gemmJs`);
}

const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const BETAS: (0 | 1)[] = [0, 1];

describe("wasm gemm", () => {
  // Node ≥ 20 always has WebAssembly SIMD: a null here means the kernels failed to load, and every
  // test below must fail rather than be skipped.
  const backend = wasm as Backend;

  it("is available in Node 20 and names itself", () => {
    expect(wasm, "createWasmBackend() returned null in Node").not.toBeNull();
    expect(backend.name).toBe("wasm");
    expect(backend.workspace(8).backend).toBe("wasm");
  });

  // The engine's sizes (square d = 1…64, the MLP's 64×16) and every remainder class of the 2×8,
  // 4×4, 4×2 and 2×4 tiles (sizes ≡ 0…7 mod 8, odd k for the NT/TT lane tails).
  const SHAPES: [number, number, number][] = [
    [1, 1, 1], [2, 2, 2], [3, 3, 3], [4, 4, 4], [5, 5, 5], [6, 6, 6], [7, 7, 7], [8, 8, 8],
    [9, 9, 9], [12, 12, 12], [13, 13, 13], [15, 15, 15], [16, 16, 16], [17, 17, 17], [31, 31, 31],
    [32, 32, 32], [64, 64, 64], [64, 16, 16], [16, 64, 16], [16, 16, 64], [64, 16, 64], [1, 9, 3],
    [9, 1, 3], [3, 11, 1], [70, 3, 5], [2, 70, 7],
  ];
  for (const [transA, transB] of TRANSPOSES) {
    for (const beta of BETAS) {
      it(`${transA ? "T" : "N"}${transB ? "T" : "N"} beta=${beta} on fixed shapes`, () => {
        for (const [m, n, k] of SHAPES) {
          const ws = backend.workspace(2 * (m * k + k * n + m * n) + 64);
          runCase(ws, { m, n, k, transA, transB, beta }, m * 10007 + n * 101 + k, 1);
        }
      });
    }
  }

  it("matches the references on random shapes 1…70, transposes, beta and offsets (fast-check)", () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 70 }),
          n: fc.integer({ min: 1, max: 70 }),
          k: fc.integer({ min: 1, max: 70 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          beta: fc.constantFrom<0 | 1>(0, 1),
        }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 9 }),
        (cs, seed, pad) => {
          const ws = backend.workspace(3 * pad + cs.m * cs.k + cs.k * cs.n + cs.m * cs.n + 2 * GUARD);
          runCase(ws, cs, seed, pad);
        },
      ),
      { numRuns: 300, seed: 20260721 },
    );
  });

  it("treats k = 0 as an empty sum: beta 0 writes zeros over NaN, beta 1 leaves C as it was", () => {
    const ws = backend.workspace(40);
    const a = ws.alloc(0);
    const b = ws.alloc(0);
    for (const [transA, transB] of TRANSPOSES) {
      const c = ws.alloc(6).fill(Number.NaN);
      ws.gemm(2, 3, 0, a, transA, b, transB, c, 0);
      expect([...c]).toEqual([0, 0, 0, 0, 0, 0]);
      c.set([1, 2, 3, 4, 5, 6]);
      ws.gemm(2, 3, 0, a, transA, b, transB, c, 1);
      expect([...c]).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it("runs subarray views of an alloc'd block in WebAssembly, not in the fallback", () => {
    // The wasm path checks lengths (an out-of-range offset would corrupt a neighbouring buffer);
    // gemmJs does not. So a too-short view throws exactly when the kernel would have run in wasm.
    const ws = backend.workspace(100);
    const block = ws.alloc(64);
    const a = block.subarray(3, 19);
    const b = block.subarray(19, 35);
    const c = block.subarray(37, 53);
    const fill = filler(7);
    fill(a);
    fill(b);
    const cs: Case = { m: 4, n: 4, k: 4, transA: false, transB: true, beta: 0 };
    const ref = naive(cs, a, b, c);
    ws.gemm(4, 4, 4, a, false, b, true, c, 0);
    expectWithinRoundoff(c, ref.c, ref.scale, cs, "subarray views");
    expect(() => ws.gemm(4, 4, 4, a.subarray(1), false, b, true, c, 0)).toThrow(RangeError);
  });

  it("falls back to gemmJs for arrays outside the workspace (plain arrays, other workspaces, mixed)", () => {
    const ws = backend.workspace(64);
    const other = backend.workspace(64);
    const inside = ws.alloc(16);
    const fill = filler(11);
    fill(inside);
    const foreign = new Float64Array(16);
    fill(foreign);
    const elsewhere = other.alloc(16);
    fill(elsewhere);
    const cs: Case = { m: 4, n: 4, k: 4, transA: false, transB: false, beta: 0 };
    for (const [a, b, c] of [
      [foreign, foreign.slice(), new Float64Array(16)],
      [inside, foreign, ws.alloc(16)],
      [inside, elsewhere, ws.alloc(16)],
      [elsewhere, inside, other.alloc(16)],
    ] as const) {
      const ref = naive(cs, a, b, c);
      ws.gemm(4, 4, 4, a, false, b, false, c, 0);
      expectWithinRoundoff(c, ref.c, ref.scale, cs, "fallback");
    }
    // A too-short foreign array goes to gemmJs, which does not check lengths: no throw from the wasm guard.
    expect(() => ws.gemm(4, 4, 4, foreign.subarray(1), false, foreign, false, new Float64Array(16), 0)).not.toThrow();
  });

  it("keeps every alloc'd view valid: the memory is sized once and never grows", () => {
    const capacity = 50_000; // 400 000 bytes: 7 pages, not a multiple of the page size
    const ws = backend.workspace(capacity);
    const first = ws.alloc(16);
    const fill = filler(3);
    fill(first);
    const saved = Float64Array.from(first);
    const views: Float64Array[] = [first];
    let used = 16;
    for (let i = 0; used + 7 <= capacity; i++) {
      views.push(ws.alloc(7));
      used += 7;
    }
    expect(views.length).toBeGreaterThan(7000);
    const buffer = first.buffer;
    for (const v of views) expect(v.buffer).toBe(buffer);
    expect(first.length).toBe(16);
    expect([...first]).toEqual([...saved]);
    // The memory is exactly the pages needed for the capacity.
    expect(buffer.byteLength).toBe(Math.ceil((capacity * 8) / 65536) * 65536);
    // Exactly filling the capacity works; one more double throws.
    ws.alloc(capacity - used);
    expect(() => ws.alloc(1)).toThrow(/workspace exhausted/);
    // Products on the first and last views still run in wasm and are right.
    const last = views[views.length - 1];
    const c = views[1].subarray(0, 4).fill(Number.NaN);
    ws.gemm(2, 2, 4, first.subarray(0, 8), false, first.subarray(8, 16), true, c, 0);
    const ref = naive({ m: 2, n: 2, k: 4, transA: false, transB: true, beta: 0 }, first.subarray(0, 8), first.subarray(8, 16), c);
    expectWithinRoundoff(c, ref.c, ref.scale, { m: 2, n: 2, k: 4, transA: false, transB: true, beta: 0 }, "after many allocs");
    expect(last.buffer).toBe(buffer);
  });

  it("rejects bad capacities and alloc lengths", () => {
    expect(() => backend.workspace(-1)).toThrow(RangeError);
    expect(() => backend.workspace(1.5)).toThrow(RangeError);
    const ws = backend.workspace(10);
    expect(() => ws.alloc(-1)).toThrow(RangeError);
    expect(() => ws.alloc(11)).toThrow(/workspace exhausted/);
    expect(ws.alloc(10).length).toBe(10);
  });

  it("falls back to a plain-JS workspace when WebAssembly cannot reserve the memory (as under ulimit -v)", () => {
    const wasm = (globalThis as unknown as { WebAssembly: { Memory: unknown } }).WebAssembly;
    const real = wasm.Memory;
    wasm.Memory = function () {
      throw new RangeError("WebAssembly.Memory(): could not allocate memory");
    };
    try {
      const ws = backend.workspace(16);
      expect(ws.backend).toBe("js");
      const a = ws.alloc(4).fill(1);
      const c = ws.alloc(4);
      ws.gemm(2, 2, 2, a, false, a, false, c, 0);
      expect([...c]).toEqual([2, 2, 2, 2]);
    } finally {
      wasm.Memory = real;
    }
    expect(backend.workspace(16).backend).toBe("wasm");
  });

  it("axpy matches the plain-JS update exactly (same operations, no FMA), in place and at offsets", () => {
    const ws = backend.workspace(2000);
    for (let n = 0; n <= 37; n++) {
      ws.alloc(n % 3);
      const x = ws.alloc(n);
      const y = ws.alloc(n);
      const fill = filler(n + 1);
      fill(x);
      fill(y);
      const expected = Float64Array.from(y);
      axpyJs(n, -0.37, x, expected);
      const guard = ws.alloc(1).fill(SENTINEL);
      ws.axpy(n, -0.37, x, y);
      expect([...y], `axpy n=${n}`).toEqual([...expected]);
      expect(guard[0]).toBe(SENTINEL);
    }
    const z = ws.alloc(5).fill(2);
    ws.axpy(5, 0.5, z, z); // y ← y + 0.5·y
    expect([...z]).toEqual([3, 3, 3, 3, 3]);
    const foreign = new Float64Array([1, 2, 3]);
    const y = ws.alloc(3).fill(1);
    ws.axpy(3, 2, foreign, y);
    expect([...y]).toEqual([3, 5, 7]);
    expect(() => ws.axpy(4, 1, ws.alloc(3), ws.alloc(4))).toThrow(RangeError);
  });
});

describe("plain-JS gemm", () => {
  it("matches the naive product on ragged shapes for every transpose and beta", () => {
    for (const [transA, transB] of TRANSPOSES) {
      for (const beta of BETAS) {
        for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [8, 8, 8], [17, 4, 9]]) {
          const cs: Case = { m, n, k, transA, transB, beta };
          const fill = filler(m + 31 * n + 961 * k);
          const a = new Float64Array(m * k);
          const b = new Float64Array(k * n);
          const c0 = new Float64Array(m * n);
          fill(a);
          fill(b);
          fill(c0);
          const c = beta ? Float64Array.from(c0) : new Float64Array(m * n).fill(Number.NaN);
          gemmJs(m, n, k, a, transA, b, transB, c, beta);
          const ref = naive(cs, a, b, c0);
          expectWithinRoundoff(c, ref.c, ref.scale, cs, "gemmJs");
        }
      }
    }
  });
});

describe("default backend", () => {
  afterEach(() => setDefaultBackend(wasm ?? jsBackend));

  it("prefers wasm where available, and can be forced to js", () => {
    expect(getDefaultBackend().name).toBe(wasm ? "wasm" : "js");
    setDefaultBackend(jsBackend);
    expect(getDefaultBackend().name).toBe("js");
    expect(getDefaultBackend().workspace(4).backend).toBe("js");
  });

  it("createWasmBackend returns null instead of throwing where WebAssembly is missing", () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebAssembly")!;
    try {
      Object.defineProperty(globalThis, "WebAssembly", { value: undefined, configurable: true, writable: true });
      expect(createWasmBackend()).toBeNull();
    } finally {
      Object.defineProperty(globalThis, "WebAssembly", saved);
    }
    expect(createWasmBackend()?.name).toBe("wasm");
  });
});

describe("decodeBase64", () => {
  it("inverts Node's encoder for every length and padding", () => {
    const fill = filler(99);
    for (let n = 0; n <= 64; n++) {
      const x = new Float64Array(n);
      fill(x);
      const bytes = Uint8Array.from(x, (v) => Math.floor((v + 1) * 128));
      const text = Buffer.from(bytes).toString("base64");
      expect([...decodeBase64(text)]).toEqual([...bytes]);
      expect([...decodeBase64(text.replace(/=+$/, ""))]).toEqual([...bytes]);
    }
    expect(() => decodeBase64("ab$d")).toThrow(/invalid base64/);
  });
});
