/**
 * @file What an experiment kind is: a validated declarative config with quick/full budgets, a plan of
 * independent tasks (the units the worker pool runs and the suite resumes), a pure runner per task,
 * and pure functions from the collected task results to data, checks and data files. Portable: no
 * Node APIs, so the same runners work in worker threads and in the browser.
 */
import type { z } from "zod";
import type { Check } from "./checks.js";

/** Budget of a suite run: `quick` (minutes on a laptop), `full` (paper scale), `smoke` (tests only). */
export type Size = "quick" | "full" | "smoke";

/** Fields every experiment config has, whatever its kind. */
export interface ExperimentMeta {
  /** Identifier, equal to the file name without `.yaml`: lower-case letters, digits and dashes. */
  name: string;
  kind: string;
  /** One-line title shown in the report. */
  title: string;
  /** The paper figure(s) or claim reproduced, e.g. "Fig. 1, Fig. 2". */
  figure: string;
  /** Sections of docs/theory.md / the paper the checks refer to. */
  claim: string;
  /** What the experiment shows, for the report (a paragraph). */
  description: string;
}

/** A config with its budget for one size picked out. */
export type Resolved<C extends { sizes: { quick: unknown; full: unknown } }> = Omit<C, "sizes"> & {
  size: Size;
  budget: C["sizes"]["quick"];
};

/** One independent unit of work of an experiment (one run, one shard of a sweep). */
export interface TaskPlan<A = unknown> {
  /** Unique within the experiment; safe as a file name (the stored part's name: never parsed back). */
  id: string;
  /** Shown in progress output. */
  label: string;
  /** Relative amount of work (e.g. GD steps), to weight the progress bar. */
  weight: number;
  /** What `runTask` needs to run this task (plain data: it crosses to a worker thread). */
  args: A;
}

/** A data file an experiment writes beside its result (plain CSV/JSON, self-describing). */
export interface DataFile {
  /** File name inside the experiment's folder, e.g. "small-step.csv". */
  name: string;
  /** What it holds (listed in result.json). */
  description: string;
  content: string;
}

/** Progress callback of a running task: fraction done in [0, 1]. */
export type ProgressFn = (fraction: number) => void;

/** An experiment kind: schema, planner, runner and evaluation, all pure. */
export interface ExperimentKind<C extends ExperimentMeta & { sizes: { quick: unknown; full: unknown } }, P, D, A = unknown> {
  /** The `kind` value in config files. */
  readonly kind: string;
  /** Validates a whole config file (meta, settings and both sizes). */
  readonly schema: z.ZodType<C>;
  /** Budget used by `--smoke`: derived from the quick budget, tiny, for tests of the pipeline only. */
  smoke(quick: C["sizes"]["quick"]): C["sizes"]["quick"];
  /** The tasks to run for a resolved config, each with the typed arguments of its run. */
  plan(r: Resolved<C>): TaskPlan<A>[];
  /** Run one task from its plan's `args` (synchronous, CPU-bound; called in a worker thread). The result must be JSON-safe. */
  runTask(r: Resolved<C>, args: A, progress: ProgressFn): P;
  /** Combine the results of every task into the experiment's data. */
  assemble(r: Resolved<C>, parts: Readonly<Record<string, P>>): D;
  /** The checks of the experiment's claims, computed from its data. */
  checks(r: Resolved<C>, data: D): Check[];
  /** Plain data files to write beside result.json. */
  dataFiles(r: Resolved<C>, data: D): DataFile[];
  /** A small JSON summary of the data for result.json (final states, predictions, statuses). */
  summary(r: Resolved<C>, data: D): unknown;
}

/** Any experiment kind (the registry holds kinds of different config and data types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKind = ExperimentKind<any, any, any, any>;
