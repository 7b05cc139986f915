/**
 * @file Initialisations (docs/theory.md §2). SVS initialisations place every layer in the SVS set of the
 * target, `W_{k,l} = c_{k,l} Q_l Q_{l−1}ᵀ` with Q_0 = V and Q_l = U for l ≥ 1, i.e. W_{k,1} = c U Vᵀ and
 * W_{k,l} = c I for l ≥ 2, so that s_{k,i}(0) = Π_l c_{k,l} in every mode.
 */
import type { MultiPathwayDLN } from "./model.js";
import type { Rng } from "./rng.js";

/** Depth-balanced SVS: end-to-end scale α_k > 0 per pathway, every layer α_k^{1/L_k} (paper convention). */
export interface SvsInit {
  type: "svs";
  /** End-to-end scales α_k (one per pathway). */
  scales: readonly number[];
}

/** SVS with explicit per-layer scales c_{k,l} (any sign); s_{k,i}(0) = Π_l c_{k,l}. */
export interface SvsLayersInit {
  type: "svs-layers";
  /** scales[k][l]: the scalar of layer l of pathway k (length L_k each). */
  scales: readonly (readonly number[])[];
}

/** I.i.d. Gaussian entries with standard deviation `std`. Leaves the SVS set. */
export interface GaussianInit {
  type: "gaussian";
  std: number;
}

/**
 * Start from a saved state (`W{k}_{l}`, `b{k}_{l}` arrays of a .npz, layout in src/data/states.ts):
 * the engine cannot read files, so the caller passes the parameters as `SimulationOptions.initialState`.
 */
export interface FileInit {
  type: "file";
  /** Path of the .npz file (kept in the spec so config.json and result.json say where the run started; read by the caller). */
  path: string;
}

/** Any supported initialisation. */
export type InitSpec = SvsInit | SvsLayersInit | GaussianInit | FileInit;

/** Per-layer scalars c_{k,l} of an SVS initialisation (null for Gaussian and file). */
export function layerScales(init: InitSpec, depths: readonly number[]): number[][] | null {
  if (init.type === "svs") {
    return depths.map((L, k) => new Array<number>(L).fill(Math.pow(init.scales[k], 1 / L)));
  }
  if (init.type === "svs-layers") return init.scales.map((row) => [...row]);
  return null;
}

/** Write the initial parameters into `model.theta` (zeros for a file init, whose state the caller sets). */
export function initialize(model: MultiPathwayDLN, init: InitSpec, rng: Rng): void {
  const { d, depths, target } = model;
  const theta = model.theta;
  if (init.type === "file") {
    theta.fill(0);
    return;
  }
  if (init.type === "gaussian") {
    rng.fillNormal(theta, init.std);
    return;
  }
  const scales = layerScales(init, depths)!;
  theta.fill(0);
  // U Vᵀ for the first layer; the identity for the others.
  const uvT = new Float64Array(d * d);
  if (target.isIdentityBasis) {
    for (let i = 0; i < d; i++) uvT[i * d + i] = 1;
  } else {
    const { U, V } = target;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let acc = 0;
        for (let i = 0; i < d; i++) acc += U[a * d + i] * V[b * d + i];
        uvT[a * d + b] = acc;
      }
    }
  }
  depths.forEach((L, k) => {
    for (let l = 0; l < L; l++) {
      const c = scales[k][l];
      const W = model.layer(k, l);
      if (l === 0) for (let j = 0; j < d * d; j++) W[j] = c * uvT[j];
      else for (let i = 0; i < d; i++) W[i * d + i] = c;
    }
  });
}
