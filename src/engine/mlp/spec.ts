/**
 * @file What defines a multi-pathway MLP run (docs/theory.md §7): architecture and initialisation, as plain
 * data (the resolved `mlp` section of a run config, part of `SimulationSpec`).
 */
import type { ActivationName } from "./activations.js";

/** I.i.d. Gaussian weights N(0, std²); biases start at 0. */
export interface MlpGaussianInit {
  type: "gaussian";
  /** Standard deviation of every weight entry. */
  std: number;
}

/** He-normal weights N(0, scale²·2/fan_in) with fan_in the layer's input width; biases start at 0. */
export interface MlpHeInit {
  type: "he";
  /** Multiplier of the He standard deviation √(2/fan_in) (1 = He et al. 2015). */
  scale: number;
}

/** How the MLP's weights are initialised. */
export type MlpInitSpec = MlpGaussianInit | MlpHeInit;

/** Architecture of the K pathways (their depths L_k come from the run's `depths`). */
export interface MlpArchitecture {
  /** Activation φ after every layer but the last of each pathway. */
  activation: ActivationName;
  /** Hidden width of each pathway (one entry per pathway). */
  hidden: readonly number[];
  /** Learnable biases on every layer (default false). */
  bias?: boolean;
  /**
   * Input matrix X as rows: d_in rows × n columns, one column per sample, n = the width d of the target.
   * Default: the canonical basis X = I_d.
   */
  input?: readonly (readonly number[])[];
}

/** The resolved `mlp` section of a run: architecture plus initialisation. */
export interface MlpSpec extends MlpArchitecture {
  bias: boolean;
  init: MlpInitSpec;
}
