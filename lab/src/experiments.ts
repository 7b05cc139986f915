/**
 * @file The reproduction suite's experiment files (experiments/*.yaml) as lab presets: each file is
 * parsed and validated by the suite's own `parseExperiment`, its quick budget picked by
 * `resolveExperiment`, and every single run it describes becomes one preset — the same network,
 * init, step (h → η through the suite's `lambdaSingle`), steps and dynamics the suite runs. Sweeps
 * (kinds phase and chain, an mlp sweep) are many tiny runs, not one to watch, and are listed as skipped;
 * the trajectory runs of kind mlp (Fig. 3) are MLP presets built by the kind's own `mlpRunConfig`. DOM-free.
 *
 * This adapter knows how each kind turns its settings into runs (mirroring the kinds' `runTask`); an
 * exported "run config of a task" from src/experiments would let it shrink to a loop.
 */
import { endToEndScales, lambdaSingle, slug, type Network } from "../../src/experiments/common.js";
import { mlpRunConfig, type MlpNetwork } from "../../src/experiments/kinds/mlp/kind.js";
import { ConfigError, parseExperiment, resolveExperiment } from "../../src/experiments/config.js";
import { stabilityWindow } from "../../src/theory/index.js";
import { validateRunConfig } from "../../src/config/validate.js";
import type { BaseConfig } from "./state.js";

/** One run of an experiment, before it is a raw run config. */
interface ExperimentRun {
  /** The experiment's own label of the run (its id in the URL is made from it). */
  name: string;
  /** Label with the step, for the picker. */
  label: string;
  lr: number;
  dynamics: "full" | "reduced";
  steps: number;
  width: number;
  schedule?: Record<string, unknown>;
  /** The suite's sharpness interval (steps), when its budget sets one. */
  sharpnessEvery?: number;
  /** The whole raw run config, when the kind builds it (MLP runs); else it is made from the network. */
  raw?: Record<string, unknown>;
}

/** Presets from experiment files, and the files (or kinds) that gave none, with why. */
export interface ExperimentPresets {
  bases: BaseConfig[];
  notes: string[];
}

/** A run's label with its step in parentheses, unless the label already is or has it ("h = 0.5"). */
function labelWith(label: string, step: string): string {
  return label.includes(step) ? label : `${label} (${step})`;
}

/** The single runs of a resolved experiment (quick budget), by kind; null for sweep kinds. */
function runsOf(r: Record<string, unknown>): ExperimentRun[] | null {
  // Sweep kinds (phase, chain) have no `network`: only the single-run kinds below read it.
  const net = r.network as Network;
  const budget = r.budget as { steps: number; width?: number; sharpnessEvery?: number };
  const base = { steps: budget.steps, width: budget.width ?? net?.width, ...(budget.sharpnessEvery !== undefined ? { sharpnessEvery: budget.sharpnessEvery } : {}) };
  switch (r.kind) {
    case "pair": {
      const runs = r.runs as { label: string; h: number }[];
      return runs.map((run) => ({ ...base, name: run.label, label: labelWith(run.label, `h = ${run.h}`), lr: run.h / lambdaSingle(net), dynamics: r.dynamics as "full" | "reduced" }));
    }
    case "heterogeneous": {
      const runs = r.runs as { label: string; fraction: number }[];
      const etaBal = stabilityWindow(net.depths, net.target.sigma[0]!).etaBalanced;
      return runs.map((run) => ({ ...base, name: run.label, label: `${run.label} (η = ${run.fraction}·2/λ_bal)`, lr: run.fraction * etaBal, dynamics: "reduced" as const }));
    }
    case "warmup": {
      const h = r.h as number;
      const w = r.warmup as { steps: number; start: number };
      const lr = h / lambdaSingle(net);
      return [
        { ...base, name: "constant", label: `constant step (h = ${h})`, lr, dynamics: "reduced" },
        { ...base, name: "warmup", label: `warm-up over ${w.steps} steps (h = ${h})`, lr, dynamics: "reduced", schedule: { type: "warmup", steps: w.steps, start: w.start } },
      ];
    }
    case "mlp": {
      // The trajectory runs (Fig. 3); a sweep (Fig. 7) is many runs and gives no presets.
      const mlp = r.network as MlpNetwork;
      const runs = (r.runs as { label: string; h: number }[] | undefined) ?? [];
      if (runs.length === 0) return null;
      // The suite's own record and sharpness schedule is not a run-config setting: the lab's strides are its own (auto).
      return runs.map((run) => {
        const raw = mlpRunConfig(mlp, mlp.activation, mlp.seed, run.h, budget.steps);
        return { steps: budget.steps, width: mlp.width, name: run.label, label: `${run.label} (${mlp.activation}, h = ${run.h})`, lr: raw.lr as number, dynamics: "full" as const, raw };
      });
    }
    case "rank": {
      const lrs = r.lrs as number[];
      return lrs.map((lr) => ({ ...base, name: `eta ${lr}`, label: `η = ${lr}`, lr, dynamics: r.dynamics as "full" | "reduced" }));
    }
    default:
      return null;
  }
}

/**
 * Presets from experiment files (path from the repository root → YAML text). A file the suite
 * rejects is reported with the suite's message; sweep kinds are reported as skipped.
 */
export function experimentPresets(files: Readonly<Record<string, string>>): ExperimentPresets {
  const bases: BaseConfig[] = [];
  const notes: string[] = [];
  for (const path of Object.keys(files).sort()) {
    const stem = path.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
    let resolved: Record<string, unknown>;
    try {
      resolved = resolveExperiment(parseExperiment(files[path]!, path, stem), "quick") as Record<string, unknown>;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      notes.push(err.message);
      continue;
    }
    const runs = runsOf(resolved);
    if (!runs) {
      notes.push(resolved.kind === "mlp"
        ? `${path}: a sweep of many MLP runs (kind mlp without trajectory runs); the reproduction suite runs it`
        : `${path}: kind ${String(resolved.kind)} is a sweep of many runs; the reproduction suite runs it`);
      continue;
    }
    const net = resolved.network as Network;
    for (const run of runs) {
      const raw: Record<string, unknown> = run.raw ? { name: `${resolved.name as string}: ${run.label}`, ...run.raw } : {
        name: `${resolved.name as string}: ${run.label}`,
        width: run.width,
        depths: [...net.depths],
        target: { sigma: [...net.target.sigma], basis: net.target.basis },
        init: { type: "svs", scales: endToEndScales(net) },
        lr: run.lr,
        steps: run.steps,
        dynamics: run.dynamics,
        seed: net.seed,
        ...(run.schedule ? { schedule: run.schedule } : {}),
        ...(run.sharpnessEvery !== undefined ? { sharpness: { every: run.sharpnessEvery } } : {}),
      };
      const origin = { file: `${path} (${run.label})` };
      try {
        validateRunConfig(raw, origin);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        notes.push(err.message);
        continue;
      }
      bases.push({
        kind: "experiment",
        id: `${stem}/${slug(run.name)}`,
        label: `${stem} · ${run.label}`,
        description: `${resolved.figure as string}: ${resolved.title as string} — ${run.label}, ${run.raw ? "MLP, full-batch GD" : run.dynamics === "full" ? "full matrices" : "reduced GD"}, ${run.steps} steps (the suite's quick size).`,
        raw,
        origin,
      });
    }
  }
  return { bases, notes };
}
