/**
 * @file The lab's preset list, assembled at build time: the embedded presets plus every run of the
 * reproduction suite's experiment files (experiments/*.yaml, imported as text by Vite and validated
 * by the suite's own parser), so the lab offers the paper figures' configs without copying them.
 */
import { presetBases } from "./catalogue.js";
import { experimentPresets, type ExperimentPresets } from "./experiments.js";
import type { BaseConfig } from "./state.js";

// Vite inlines the files' text at build time; an absent experiments/ folder yields no entries.
const files = import.meta.glob("../../experiments/*.{yaml,yml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;

/** Experiment files keyed by their path from the repository root ("experiments/…"). */
function byRepoPath(raw: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^(\.\.\/)+/, ""), v]));
}

const experiments: ExperimentPresets = experimentPresets(byRepoPath(files));

/** Every base the lab offers: embedded presets first, then the experiments' runs. */
export const BASES: readonly BaseConfig[] = [...presetBases(), ...experiments.bases];

/** Experiment files (or kinds) that gave no preset, with the reason. */
export const SKIPPED_EXPERIMENTS: readonly string[] = experiments.notes;
