/**
 * @file Margin losses of the deep linear classifier (docs/theory.md §9): ℓ(z) of the margin z = y·f(x), with
 * exact ℓ' and ℓ'' (the Hessian-vector product needs ℓ''). Both are strictly decreasing with an
 * exponential tail, the setting of Ji & Telgarsky (2018); every form is evaluated without overflow.
 */

/** The margin losses: logistic (binary cross-entropy) and exponential. */
export const MARGIN_LOSS_NAMES = ["logistic", "exponential"] as const;

/** Name of a margin loss. */
export type MarginLossName = (typeof MARGIN_LOSS_NAMES)[number];

/** A margin loss ℓ with its first and second derivatives. */
export interface MarginLoss {
  readonly name: MarginLossName;
  /** ℓ(z). */
  value(z: number): number;
  /** ℓ'(z) (negative). */
  d1(z: number): number;
  /** ℓ''(z) (positive). */
  d2(z: number): number;
}

/**
 * Logistic ℓ(z) = log(1 + e^{−z}) = log1p(e^{−z}) for z ≥ 0 and −z + log1p(e^{z}) for z < 0 (no overflow,
 * full relative accuracy in the tail where the risk lives); ℓ' = −σ(−z), ℓ'' = σ(z)σ(−z).
 */
const logistic: MarginLoss = {
  name: "logistic",
  value: (z) => (z >= 0 ? Math.log1p(Math.exp(-z)) : -z + Math.log1p(Math.exp(z))),
  d1: (z) => {
    if (z >= 0) {
      const e = Math.exp(-z);
      return -e / (1 + e);
    }
    return -1 / (1 + Math.exp(z));
  },
  d2: (z) => {
    const e = Math.exp(-Math.abs(z));
    return e / ((1 + e) * (1 + e));
  },
};

/** Exponential ℓ(z) = e^{−z}, ℓ' = −e^{−z}, ℓ'' = e^{−z}. */
const exponential: MarginLoss = {
  name: "exponential",
  value: (z) => Math.exp(-z),
  d1: (z) => -Math.exp(-z),
  d2: (z) => Math.exp(-z),
};

const LOSSES: Record<MarginLossName, MarginLoss> = { logistic, exponential };

/** The margin loss called `name`; throws a RangeError naming the known ones otherwise. */
export function getMarginLoss(name: string): MarginLoss {
  const l = (LOSSES as Record<string, MarginLoss | undefined>)[name];
  if (!l) throw new RangeError(`classifier.loss: unknown loss ${JSON.stringify(name)}; one of ${MARGIN_LOSS_NAMES.join(", ")}`);
  return l;
}
