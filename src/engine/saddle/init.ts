/**
 * @file Small-scale ("bottleneck") initialisations of deep networks (docs/theory.md §10, Rawal & DeWeese):
 * every layer starts from an O(1) base draw — the identity (ones on the main diagonal: a deep chain of
 * identities, the permutation-symmetric manifold), a seeded random (semi-)orthogonal matrix, or
 * He-normal N(0, 2/fan_in) — times `scale`, and the r listed layers are then multiplied by ε. All
 * layers at ε is the special case `layers` = every layer; "He-normal with r layers rescaled by ε" is
 * base `he`. Written for the MLP's public API (`weight(k, l)`, `layerShape`), so the linear network
 * (activation `linear`) and every activation share it. Biases start at 0.
 */
import { randomOrthogonal } from "../linalg/dense.js";
import type { MultiPathwayMLP } from "../mlp/model.js";
import type { Rng } from "../rng.js";

/** The O(1) draw every layer starts from. */
export const BOTTLENECK_BASES = ["identity", "orthogonal", "he"] as const;

/** Name of a base draw. */
export type BottleneckBase = (typeof BOTTLENECK_BASES)[number];

/** A bottleneck initialisation: base draw × scale, the listed layers × ε. */
export interface BottleneckInit {
  type: "bottleneck";
  /** Scale ε of the small layers (> 0). */
  epsilon: number;
  /** 1-based indices of the layers at scale ε, the same in every pathway; absent: every layer (r = L). */
  layers?: readonly number[];
  /** identity, orthogonal (seeded Haar, semi-orthogonal when rectangular) or he (N(0, 2/fan_in)). */
  base: BottleneckBase;
  /** Multiplier of the base draw (the O(1) scale of the other layers; default 1). */
  scale: number;
}

/** The 1-based small layers of a pathway of depth L (all of them when `layers` is absent). */
export function smallLayers(init: BottleneckInit, L: number): number[] {
  return init.layers ? [...init.layers] : Array.from({ length: L }, (_, l) => l + 1);
}

/** Fill a rows×cols row-major matrix with the base draw (not yet scaled). */
export function baseDraw(base: BottleneckBase, rows: number, cols: number, rng: Rng, out: Float64Array): void {
  out.fill(0, 0, rows * cols);
  if (base === "identity") {
    for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1;
  } else if (base === "he") {
    const std = Math.sqrt(2 / cols);
    for (let j = 0; j < rows * cols; j++) out[j] = std * rng.normal();
  } else {
    // Orthonormal columns (rows ≥ cols) or rows (rows < cols): a block of a Haar-random square matrix.
    const n = Math.max(rows, cols);
    const Q = randomOrthogonal(n, rng);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = Q[i * n + j]!;
  }
}

/**
 * Write a bottleneck initialisation into `model.theta`, layer by layer in θ order (one base draw per
 * layer, from `rng`); throws a RangeError naming `mlp.init.layers` when a listed layer does not exist.
 */
export function initializeBottleneck(model: MultiPathwayMLP, init: BottleneckInit, rng: Rng): void {
  model.theta.fill(0);
  for (let k = 0; k < model.K; k++) {
    const L = model.depths[k]!;
    const small = new Set(smallLayers(init, L));
    for (const l of small) {
      if (!(Number.isInteger(l) && l >= 1 && l <= L)) throw new RangeError(`mlp.init.layers: layer ${l} does not exist (pathway ${k + 1} has depth ${L})`);
    }
    for (let l = 0; l < L; l++) {
      const { rows, cols } = model.layerShape(k, l);
      const W = model.weight(k, l);
      baseDraw(init.base, rows, cols, rng, W);
      const c = init.scale * (small.has(l + 1) ? init.epsilon : 1);
      for (let j = 0; j < W.length; j++) W[j] = c * W[j]!;
    }
  }
}
