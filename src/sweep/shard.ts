/**
 * @file Deterministic shards of a sweep (docs/sweeps.md, "Run it on your cluster"): the points' estimated
 * costs, their assignment to N shards balanced by cost (longest processing time first), and the `I/N`
 * notation of `--shard`. The assignment depends only on the costs and N, so every task of a job array
 * computes the same split without talking to the others, and every point is in exactly one shard.
 * Portable: no Node APIs.
 */
import type { SimulationSpec } from "../engine/simulate.js";
import { runSize, stepCost } from "../engine/footprint.js";

export { stepCost };

/** One shard of a sweep: the `index`-th (0-based) of `count`. */
export interface Shard {
  /** 0 ≤ index < count. */
  index: number;
  /** Number of shards N ≥ 1. */
  count: number;
}

/**
 * Estimated cost of a whole run, in multiply-adds: steps × stepCost, plus the sharpness measurements
 * (every `sharpness.every` steps and at the start and end): exact SVS blocks of reduced runs about one
 * step each, Lanczos at most min(maxIter, parameters) Hessian-vector products of about 2 steps each.
 * Early stops are not predicted; only the ratios between points matter (they balance the shards).
 */
export function estimateCost(spec: SimulationSpec): number {
  const step = stepCost(spec);
  const steps = Math.max(1, spec.steps);
  const blocks = spec.dynamics === "reduced" || spec.sharpness.method === "blocks";
  const every = spec.sharpness.every;
  const measures = 2 + (every > 0 ? Math.floor(steps / every) : 0);
  const perMeasure = blocks ? step : 2 * Math.min(spec.sharpness.maxIter, runSize(spec).params) * step;
  return steps * step + measures * perMeasure;
}

/** A binary min-heap of shards keyed by (load, shard index): the least-loaded shard, lowest index on ties. */
class LoadHeap {
  private readonly heap: Int32Array;
  readonly load: Float64Array;
  constructor(n: number) {
    this.heap = Int32Array.from({ length: n }, (_, i) => i);
    this.load = new Float64Array(n);
  }
  private less(a: number, b: number): boolean {
    const la = this.load[a]!;
    const lb = this.load[b]!;
    return la < lb || (la === lb && a < b);
  }
  /** The least-loaded shard. */
  top(): number {
    return this.heap[0]!;
  }
  /** Add `cost` to the top shard and restore the heap order. */
  addToTop(cost: number): void {
    const h = this.heap;
    const n = h.length;
    this.load[h[0]!]! += cost;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(h[l]!, h[m]!)) m = l;
      if (r < n && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }
}

/** The shard of every point and each shard's total estimated cost. */
export interface ShardPlan {
  /** shardOf[i]: the shard (0 … N − 1) of point i. */
  shardOf: Uint32Array;
  /** Sum of the estimated costs of each shard's points. */
  load: Float64Array;
}

/**
 * Assign points to N shards by cost: longest processing time first (Graham 1969) over the points
 * sorted by (cost descending, index ascending), each to the currently least-loaded shard (lowest
 * index on ties). Deterministic in (costs, N); every point gets exactly one shard; the largest load
 * is at most (4/3 − 1/(3N)) times the best possible.
 */
export function planShards(costs: ArrayLike<number>, count: number): ShardPlan {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count: expected an integer >= 1, got ${count}`);
  const n = costs.length;
  for (let i = 0; i < n; i++) {
    const c = costs[i]!;
    if (!(c >= 0) || !Number.isFinite(c)) throw new RangeError(`cost of point ${i}: expected a finite number >= 0, got ${c}`);
  }
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => costs[b]! - costs[a]! || a - b);
  const heap = new LoadHeap(count);
  const shardOf = new Uint32Array(n);
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    shardOf[i] = heap.top();
    heap.addToTop(costs[i]!);
  }
  return { shardOf, load: heap.load };
}

/** The point indices of one shard, ascending. */
export function shardIndices(plan: ShardPlan, shard: number): number[] {
  const out: number[] = [];
  plan.shardOf.forEach((s, i) => {
    if (s === shard) out.push(i);
  });
  return out;
}

/** Parse `I/N` (0 ≤ I < N, as in SLURM_ARRAY_TASK_ID); the error message names `flag`. */
export function parseShard(text: string, flag = "--shard"): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new RangeError(`${flag}: expected I/N with 0 <= I < N, e.g. 0/4 (got ${JSON.stringify(text)})`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new RangeError(`${flag}: N must be >= 1 (got ${JSON.stringify(text)})`);
  if (index >= count) throw new RangeError(`${flag}: I must be < N (shards are numbered 0 … N−1; got ${JSON.stringify(text)})`);
  return { index, count };
}

/** `I/N` notation of a shard. */
export function formatShard(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
