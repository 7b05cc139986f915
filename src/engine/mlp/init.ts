/**
 * @file Initialisation of the multi-pathway MLP: i.i.d. Gaussian weights with a given std (the
 * paper's small-scale init, docs/theory.md §7) or He-normal weights scaled by a factor; biases start at 0.
 */
import type { Rng } from "../rng.js";
import type { MultiPathwayMLP } from "./model.js";
import type { MlpInitSpec } from "./spec.js";

/**
 * Write the initial parameters into `model.theta`, layer by layer in θ order: every weight entry
 * N(0, std²) (gaussian) or N(0, scale²·2/fan_in) (he, fan_in = the layer's input width); biases 0.
 * Without biases a gaussian init draws exactly the numbers `initialize` draws for a DLN of the same
 * size and seed, so a linear-activation MLP starts where the linear network does.
 */
export function initializeMlp(model: MultiPathwayMLP, init: MlpInitSpec, rng: Rng): void {
  model.theta.fill(0);
  for (let k = 0; k < model.K; k++) {
    for (let l = 0; l < model.depths[k]; l++) {
      const { cols } = model.layerShape(k, l);
      const std = init.type === "gaussian" ? init.std : init.scale * Math.sqrt(2 / cols);
      rng.fillNormal(model.weight(k, l), std);
    }
  }
}
