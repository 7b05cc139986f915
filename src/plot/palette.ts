/**
 * @file Colours and dash patterns shared by every figure, so that pathway k and mode i look the same
 * everywhere. Colours are the Okabe–Ito palette (distinguishable under the common colour-vision
 * deficiencies), reordered so the first pathways get the strongest contrast on white.
 */

/** Okabe–Ito colours: blue, vermillion, bluish green, reddish purple, sky blue, orange, black, yellow. */
export const PATHWAY_COLORS: readonly string[] = [
  "#0072B2",
  "#D55E00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#E69F00",
  "#000000",
  "#F0E442",
];

/** Colour of pathway k (0-based; the same in every figure); cycles after 8 pathways. */
export function pathwayColor(k: number): string {
  const n = PATHWAY_COLORS.length;
  return PATHWAY_COLORS[((Math.trunc(k) % n) + n) % n]!;
}

/** SVG dash patterns in px (stroke width 1.5): solid, dashed, dotted, dash-dot, long dash, dash-dot-dot. */
export const MODE_DASHES: readonly (string | undefined)[] = [undefined, "6,3", "1.5,2.5", "8,3,1.5,3", "12,4", "6,2,1.5,2,1.5,2"];

/** Dash pattern of mode i (0-based): undefined (solid) for the top mode, then distinct dashes; cycles after 6. */
export function modeDash(i: number): string | undefined {
  const n = MODE_DASHES.length;
  return MODE_DASHES[((Math.trunc(i) % n) + n) % n];
}

/** Colour of measurements that belong to no pathway (loss, λ_max), near-black for print. */
export const INK = "#222222";
/** Colour of reference lines from theory (2/η, σ_i). */
export const REFERENCE = "#555555";
