/**
 * @file The worker-thread side of `dlnlab reproduce` (run by piscina): a `part` task runs one task of
 * an experiment and stores it atomically; a `finish` task assembles an experiment from its stored parts,
 * computes its checks, writes its figures (SVG + PNG) and data files, and writes result.json last.
 * Progress goes back to the main thread through the MessagePort handed over with the task.
 */
import { errorLine } from "../errors.js";
import type { MessagePort } from "node:worker_threads";
import { join } from "node:path";
import { kindFor, type ResolvedExperiment } from "../../experiments/config.js";
import { figuresFor } from "../../experiments/figures/index.js";
import { writeFigure } from "../../plot/index.js";
import { VERSION } from "../../version.js";
import { writeFileAtomic, writeJsonAtomic } from "../io.js";
import { experimentPaths, readPart, removeParts, writePart, type ExperimentResult } from "./store.js";

/** An experiment as handed to a worker. */
export interface WorkerExperiment {
  name: string;
  hash: string;
  resolved: ResolvedExperiment;
}

/** Run one task of an experiment and store it. */
export interface PartTask {
  type: "part";
  out: string;
  experiment: WorkerExperiment;
  /** The task's id (its stored part's name) and its plan's arguments. */
  task: string;
  args: unknown;
  port?: MessagePort;
}

/** Assemble an experiment from its stored tasks and write every output. */
export interface FinishTask {
  type: "finish";
  out: string;
  experiment: WorkerExperiment;
  tasks: string[];
  /** How many of `tasks` were already stored when this invocation started (resumed work). */
  reusedTasks: number;
  port?: MessagePort;
}

/** Any task of the pool. */
export type WorkerTask = PartTask | FinishTask;

/** What a part task returns (the data itself stays on disk). */
export interface PartDone {
  type: "part";
  seconds: number;
}

/** Progress message: fraction of the task done. */
export interface ProgressMessage {
  fraction: number;
}

/** Entry point of the worker: run `task`. */
export default async function runTask(task: WorkerTask): Promise<PartDone | ExperimentResult> {
  try {
    return task.type === "part" ? runPart(task) : await finish(task);
  } catch (err) {
    // A zod error's text is a getter the structured clone to the main thread drops ("Error" arrived):
    // send its first issue as a plain message. File-system errors go as they are (their code and
    // errno prefix tell a full disk).
    if (err instanceof Error && !(err as { code?: unknown }).code) throw new Error(errorLine(err));
    throw err;
  } finally {
    task.port?.close();
  }
}

function runPart(task: PartTask): PartDone {
  const { experiment: e, port } = task;
  const kind = kindFor(e.resolved);
  let lastPost = 0;
  const progress = (fraction: number) => {
    const now = performance.now();
    // Throttled: a message per ~100 ms is plenty for a progress bar.
    if (port && (now - lastPost > 100 || fraction >= 1)) {
      lastPost = now;
      port.postMessage({ fraction } satisfies ProgressMessage);
    }
  };
  const t0 = performance.now();
  const data = kind.runTask(e.resolved, task.args, progress);
  const seconds = (performance.now() - t0) / 1000;
  writePart(task.out, { dlnlab: { version: VERSION, kind: "part" }, experiment: e.name, task: task.task, hash: e.hash, seconds, data });
  return { type: "part", seconds };
}

async function finish(task: FinishTask): Promise<ExperimentResult> {
  const { experiment: e, out } = task;
  const t0 = performance.now();
  const kind = kindFor(e.resolved);
  const parts: Record<string, unknown> = {};
  let computeSeconds = 0;
  for (const id of task.tasks) {
    const part = readPart(out, e.name, id, e.hash);
    if (!part) throw new Error(`${e.name}: the result of task ${id} is missing`);
    parts[id] = part.data;
    computeSeconds += part.seconds;
  }
  const r = e.resolved;
  const data = kind.assemble(r, parts);
  const checks = kind.checks(r, data).map((c) => ({ experiment: e.name, ...c }));
  const dir = experimentPaths(out, e.name).dir;
  const figures: ExperimentResult["figures"] = [];
  // The smoke budget tests the pipeline: PNGs at 1× (a quarter of the pixels, a quarter of the ≈ 0.3 s per figure).
  const png = { scale: r.size === "smoke" ? 1 : 2 };
  for (const f of figuresFor(r.kind, r, data)) {
    await writeFigure(dir, f.name, f.svg, png);
    figures.push({ name: f.name, title: f.title, caption: f.caption, svg: `${f.name}.svg`, png: `${f.name}.png` });
  }
  const files = kind.dataFiles(r, data).map((f) => {
    writeFileAtomic(join(dir, f.name), f.content);
    return { path: f.name, description: f.description };
  });
  const result: ExperimentResult = {
    dlnlab: { version: VERSION, kind: "experiment" },
    name: e.name,
    kind: r.kind,
    title: r.title,
    figure: r.figure,
    claim: r.claim,
    description: r.description,
    size: r.size,
    hash: e.hash,
    config: r,
    checks,
    summary: kind.summary(r, data),
    figures,
    files,
    timing: { computeSeconds, tasks: task.tasks.length, reusedTasks: task.reusedTasks, finishSeconds: (performance.now() - t0) / 1000 },
    created: new Date().toISOString(),
  };
  // result.json last: its presence (with this hash) is what marks the experiment as finished.
  writeJsonAtomic(experimentPaths(out, e.name).result, result);
  removeParts(out, e.name);
  return result;
}
