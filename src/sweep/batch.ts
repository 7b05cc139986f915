/**
 * @file Many reduced-dynamics runs at once: the WebAssembly SIMD kernel of asm/sweep.ts advances a
 * block of runs (lane-fastest layout, sized to stay in L1) with the stop rules of `Simulation`, and
 * the final state of every run is bit for bit the one `Simulation` reaches with dynamics: reduced.
 * Portable (ECMAScript + WebAssembly JS API only).
 */
import { SWEEP_WASM_BASE64 } from "./kernel-wasm.generated.js";
import { decodeBase64 } from "../engine/linalg/wasm.js";
import { balancedGdStepTyped } from "../engine/dynamics/reduced.js";
import { layerScales } from "../engine/init.js";
import { createTarget } from "../engine/target.js";
import { Rng } from "../engine/rng.js";
import type { SimulationSpec } from "../engine/simulate.js";

/** Steps per kernel call (see runBlock). */
const CALL_STEPS = 128;

/** Runs per block: 256 runs of K = 4 pathways keep state and bookkeeping (~30 KB) in a 48 KB L1. */
export const BLOCK_RUNS = 256;

/** Why a batched run ended, as `Simulation.status` would say, and where. */
export interface BatchEnd {
  status: "converged" | "diverged" | "max-steps" | "oscillating";
  /** Step of the final record (Simulation.step at the end). */
  finalStep: number;
  /** Step whose pre-step loss stopped the run (converged/diverged), else null. */
  stopStep: number | null;
  /** Final depth-balanced state a[k·d + i]. */
  state: Float64Array;
  /** Target singular values of the run (length d). */
  sigma: Float64Array;
  /** Some layer scalar became negative during the run (a sign flip; the SVS init starts positive). */
  signFlip: boolean;
}

/** Called at a visit step t for every run r of the block still alive there, with its state (reused buffers: copy what you keep). */
export type BlockVisit = (r: number, t: number, state: Float64Array, sigma: Float64Array) => void;

/** Can the batched kernel run this point (reduced GD, depth-balanced SVS init, constant step, exact blocks)? */
export function batchable(spec: SimulationSpec): boolean {
  return (
    (spec.model ?? "dln") === "dln" && spec.dynamics === "reduced" && spec.init.type === "svs" &&
    spec.schedule.type === "constant" && spec.sharpness.method !== "lanczos" && spec.init.scales.every((x) => x > 0)
  );
}

/** Points that may share a block: same shape, steps and end-of-run window (the record plan never changes a final state). */
export function batchKey(spec: SimulationSpec): string {
  return JSON.stringify([spec.depths, spec.width, spec.steps, Math.max(4, spec.stop.window)]);
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
}
type Kernel = (...args: number[]) => number;

let compiled: object | undefined;

/** Per-run inputs derived exactly as `Simulation` derives them. */
interface RunInput {
  a0: Float64Array;
  sigma: Float64Array;
  eta: number;
  div: number;
  conv: number;
}

/** Targets of a block by (width, target, seed): neighbouring points of a sweep usually share one. */
type TargetCache = Map<string, ReturnType<typeof createTarget>>;

function runInput(spec: SimulationSpec, targets: TargetCache): RunInput {
  const key = JSON.stringify([spec.width, spec.target, spec.seed]);
  let target = targets.get(key);
  if (!target) {
    // Simulation draws the target from the first fork of the run's seed.
    target = createTarget(spec.width, spec.target, new Rng(spec.seed).fork());
    targets.set(key, target);
  }
  const d = spec.width;
  const scales = layerScales(spec.init, spec.depths)!;
  const a0 = new Float64Array(spec.depths.length * d);
  spec.depths.forEach((_, k) => a0.fill(scales[k]![0]!, k * d, (k + 1) * d));
  // Simulation's first evaluation: a GD step with η = 0 on a copy.
  const initialLoss = balancedGdStepTyped(Float64Array.from(a0), Int32Array.from(spec.depths), target.sigma, 0, new Float64Array(d), new Float64Array(spec.depths.length));
  const { lossTol, divergeFactor, lossFraction } = spec.stop;
  const div = divergeFactor * Math.max(initialLoss, target.halfNormSq);
  const bound = lossTol * (target.halfNormSq > 0 ? target.halfNormSq : 1);
  const conv = lossFraction === undefined || Number.isNaN(initialLoss) ? bound : Math.max(bound, lossFraction * initialLoss);
  return { a0, sigma: target.sigma, eta: spec.lr, div, conv };
}

/** Runs blocks of batchable points of one `batchKey` on the SIMD kernel. */
export class BatchRunner {
  private readonly kernel: Kernel;
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;

  /** Null when WebAssembly SIMD is unavailable (callers then use `Simulation` per point). */
  static create(maxK = 64, maxD = 64): BatchRunner | null {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!api) return null;
    try {
      compiled ??= new api.Module(decodeBase64(SWEEP_WASM_BASE64));
      return new BatchRunner(api, compiled, maxK, maxD);
    } catch {
      return null;
    }
  }

  private constructor(api: WasmApi, module: object, private readonly maxK: number, private readonly maxD: number) {
    const doubles = (maxK * maxD + 2 * maxD + 11) * BLOCK_RUNS + maxK;
    const pages = Math.ceil((doubles * 8) / 65536) + 1;
    const memory = new api.Memory({ initial: pages, maximum: pages });
    const instance = new api.Instance(module, { env: { memory } });
    this.kernel = instance.exports.sweep_balanced as Kernel;
    this.f64 = new Float64Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
  }

  /**
   * Run up to BLOCK_RUNS points that share one `batchKey` to their end, calling `visit` at the steps
   * t < steps that are multiples of `visitEvery` (0: never) for the runs alive at t (before step t,
   * which may stop the run: a run stopped at t is visited at t too).
   */
  runBlock(specs: readonly SimulationSpec[], visitEvery: number, visit: BlockVisit): BatchEnd[] {
    const n = specs.length;
    if (n === 0) return [];
    if (n > BLOCK_RUNS) throw new RangeError(`runBlock: at most ${BLOCK_RUNS} runs, got ${n}`);
    const first = specs[0]!;
    const K = first.depths.length;
    const d = first.width;
    if (K > this.maxK || d > this.maxD) throw new RangeError(`runBlock: K = ${K}, d = ${d} exceed the runner's ${this.maxK}, ${this.maxD}`);
    // Layout (doubles) for B lanes: a (K·d·B), sigma (d·B), 11 lane arrays of B, scratch S (d·B), depths (i32).
    const layout = (B: number) => {
      let at = 0;
      const take = (len: number) => { const o = at; at += len; return o; };
      const L = {
        B, A: take(K * d * B), SIG: take(d * B), ETA: take(B), DIV: take(B), CONV: take(B), ALIVE: take(B), STATUS: take(B),
        FINAL: take(B), FLIPS: take(B), FIRST: take(B), SECOND: take(B), PREV: take(B), AMIN: take(B), S: take(d * B), DEPTHS: 0, end: 0,
      };
      L.DEPTHS = take(Math.ceil(K / 2));
      L.end = at;
      return L;
    };
    /** Per-lane values (all but A and SIG, which hold K·d and d rows). */
    const LANE_FIELDS = ["ETA", "DIV", "CONV", "ALIVE", "STATUS", "FINAL", "FLIPS", "FIRST", "SECOND", "PREV", "AMIN"] as const;
    let nPairs = (n + 1) >> 1;
    let lay = layout(2 * nPairs);
    const f = this.f64;
    f.fill(0, 0, lay.end);
    f.fill(Number.POSITIVE_INFINITY, lay.AMIN, lay.AMIN + lay.B);
    for (let k = 0; k < K; k++) this.i32[2 * lay.DEPTHS + k] = first.depths[k]!;
    const targets: TargetCache = new Map();
    const inputs = specs.map((spec) => runInput(spec, targets));
    inputs.forEach((inp, r) => {
      for (let j = 0; j < K * d; j++) f[lay.A + j * lay.B + r] = inp.a0[j]!;
      for (let i = 0; i < d; i++) f[lay.SIG + i * lay.B + r] = inp.sigma[i]!;
      f[lay.ETA + r] = inp.eta;
      f[lay.DIV + r] = inp.div;
      f[lay.CONV + r] = inp.conv;
      // The padding lane of an odd block is never alive (mask 0).
      this.u32.fill(0xffffffff, 2 * (lay.ALIVE + r), 2 * (lay.ALIVE + r) + 2);
    });
    // The run in each lane; a run's lane moves when the block is compacted.
    let runOf = Array.from({ length: n }, (_, r) => r);
    /** A finished run's lane values (its K·d scalars, then the lane fields), kept when its lane is dropped. */
    const kept = new Map<number, Float64Array>();
    const laneValues = (lane: number): Float64Array => {
      const v = new Float64Array(K * d + LANE_FIELDS.length);
      for (let j = 0; j < K * d; j++) v[j] = f[lay.A + j * lay.B + lane]!;
      LANE_FIELDS.forEach((name, q) => (v[K * d + q] = f[lay[name] + lane]!));
      return v;
    };
    /**
     * Move the live runs to the first lanes of a smaller block once at most half the lanes are alive:
     * the kernel then stops computing dead lanes (a run's arithmetic does not depend on its lane, so
     * the bits are the same). Finished runs keep their lane values in `kept`.
     */
    const compact = () => {
      const live: number[] = [];
      for (let lane = 0; lane < runOf.length; lane++) {
        if (this.u32[2 * (lay.ALIVE + lane)] !== 0) live.push(lane);
        else kept.set(runOf[lane]!, laneValues(lane));
      }
      const values = live.map(laneValues);
      const sig = live.map((lane) => Array.from({ length: d }, (_, i) => f[lay.SIG + i * lay.B + lane]!));
      const order = live.map((lane) => runOf[lane]!);
      nPairs = Math.max(1, (live.length + 1) >> 1);
      lay = layout(2 * nPairs);
      f.fill(0, 0, lay.end);
      for (let k = 0; k < K; k++) this.i32[2 * lay.DEPTHS + k] = first.depths[k]!;
      values.forEach((v, lane) => {
        for (let j = 0; j < K * d; j++) f[lay.A + j * lay.B + lane] = v[j]!;
        for (let i = 0; i < d; i++) f[lay.SIG + i * lay.B + lane] = sig[lane]![i]!;
        LANE_FIELDS.forEach((name, q) => (f[lay[name] + lane] = v[K * d + q]!));
      });
      runOf = order;
    };
    const steps = first.steps;
    const w = Math.max(4, first.stop.window);
    const histN = Math.min(w, steps);
    const state = new Float64Array(K * d);
    const sigma = new Float64Array(d);
    const visitAlive = (t: number) => {
      for (let lane = 0; lane < runOf.length; lane++) {
        if (this.u32[2 * (lay.ALIVE + lane)] === 0) continue;
        for (let j = 0; j < K * d; j++) state[j] = f[lay.A + j * lay.B + lane]!;
        for (let i = 0; i < d; i++) sigma[i] = f[lay.SIG + i * lay.B + lane]!;
        visit(runOf[lane]!, t, state, sigma);
      }
    };
    let t = 0;
    let alive = n;
    while (t <= steps && alive > 0) {
      if (alive <= nPairs && nPairs > 1) compact();
      if (visitEvery > 0 && t % visitEvery === 0 && t < steps) visitAlive(t);
      // Calls of at most CALL_STEPS steps: V8 tiers a WebAssembly function up for its next call, not
      // during a long one, so short calls reach the optimised code early.
      const next = Math.min(t + CALL_STEPS, visitEvery > 0 ? Math.min(steps + 1, (Math.floor(t / visitEvery) + 1) * visitEvery) : steps + 1);
      alive = this.kernel(
        nPairs, K, d, 8 * lay.DEPTHS, 8 * lay.A, 8 * lay.SIG, 8 * lay.ETA, 8 * lay.DIV, 8 * lay.CONV, 8 * lay.ALIVE, 8 * lay.STATUS, 8 * lay.FINAL,
        8 * lay.FLIPS, 8 * lay.FIRST, 8 * lay.SECOND, 8 * lay.PREV, 8 * lay.AMIN, 8 * lay.S, t, next, steps,
        steps - histN, histN,
      );
      t = next;
    }
    for (let lane = 0; lane < runOf.length; lane++) kept.set(runOf[lane]!, laneValues(lane));
    const field = (v: Float64Array, name: (typeof LANE_FIELDS)[number]) => v[K * d + LANE_FIELDS.indexOf(name)]!;
    const floor = (sig0: number) => 1e-12 * Math.max(1, sig0);
    return specs.map((_, r) => {
      const v = kept.get(r)!;
      const out = v.slice(0, K * d);
      const code = field(v, "STATUS");
      const signFlip = field(v, "AMIN") < 0;
      if (code !== 0) {
        const finalStep = field(v, "FINAL");
        return { status: code === 2 ? "diverged" : "converged", finalStep, stopStep: finalStep, state: out, sigma: inputs[r]!.sigma, signFlip };
      }
      // Simulation.classifyEnd on the online sums of the last histN steps.
      let status: BatchEnd["status"] = "max-steps";
      if (histN >= 4) {
        const second = field(v, "SECOND");
        const amplitude = second / (histN - Math.ceil(histN / 2));
        if (field(v, "FLIPS") >= 0.75 * (histN - 1) && second >= 0.9 * field(v, "FIRST") && amplitude > floor(inputs[r]!.sigma[0]!)) status = "oscillating";
      }
      return { status, finalStep: steps, stopStep: null, state: out, sigma: inputs[r]!.sigma, signFlip };
    });
  }
}
