/**
 * @file What a run will cost the browser before it starts: memory (the engine's workspaces, the Lanczos
 * basis, the records the page keeps) and an order-of-magnitude time. The page warns above a few seconds
 * and refuses what cannot fit in a tab's memory. Counts follow the engine's allocations (src/engine/model.ts:
 * 4n + 3d² doubles plus per-layer products P, dP, M, dM of d² each; Lanczos basis ≤ 64 MB). DOM-free.
 */
import { plannedRecords, type SimulationSpec } from "../../src/engine/simulate.js";
import { recordLayout } from "./packing.js";

/** Largest estimated footprint the page starts (bytes): half of WebAssembly's 4 GiB ceiling, so a tab keeps room. */
export const MAX_BYTES = 2 * 1024 ** 3;
/** Above this estimate (seconds) the page warns before running. */
export const WARN_SECONDS = 5;

/**
 * Nominal speeds of the browser engine, for the time estimate only (the real rate is shown once a run
 * goes): full-matrix GD flops/s of the WebAssembly SIMD kernels, and reduced per-mode pathway updates/s
 * (10⁶ reduced steps of K = 2, d = 2 took 1.4 s in Chromium on the development machine, issue 16).
 */
const FLOPS_PER_SECOND = 2e9;
const REDUCED_UPDATES_PER_SECOND = 3e6;
/** Lanczos steps assumed per sharpness measurement, and gradient evaluations per Hessian-vector product. */
const LANCZOS_STEPS = 40;
const GRADIENTS_PER_HVP = 3;
/** Bytes the Lanczos basis may use (src/engine/measure/lanczos.ts caps it at 64 MB). */
const LANCZOS_BYTES = 64 * 1024 ** 2;

/** The estimate of one run. */
export interface RunCost {
  /** Estimated memory (bytes). */
  bytes: number;
  /** Estimated engine time (seconds), or null when there is no useful model (gradient flow's adaptive steps). */
  seconds: number | null;
  /** What dominates the memory: the network's workspaces or the records kept for the plots. */
  memoryBy: "network" | "records";
}

/** Hidden size of the model's square layers: d, or an MLP's widest hidden layer. */
function layerSize(spec: SimulationSpec): number {
  if (spec.model !== "mlp" || !spec.mlp) return spec.width;
  const hidden = spec.mlp.hidden as number | readonly number[];
  return Math.max(spec.width, ...(typeof hidden === "number" ? [hidden] : hidden));
}

/** Memory and time of a run (see the file comment for what is counted). */
export function estimateRun(spec: SimulationSpec): RunCost {
  const layers = spec.depths.reduce((a, L) => a + L, 0);
  const h = layerSize(spec);
  const full = spec.dynamics === "full" || (spec.dynamics === "flow" && spec.flow.system === "full");
  const records = plannedRecords(spec.record, spec.steps);
  // Packed rows in the page, plus its plot columns (step, time, loss, λ, 2/η, s, balance) of about half a row.
  const recordBytes = records * recordLayout(spec.depths.length, spec.width, spec.sharpness.top).stride * 8 * 1.5;
  const { every, everyRecord } = spec.sharpness;
  const measurements = (every > 0 ? Math.floor(spec.steps / every) + 2 : 2) + (everyRecord ? Math.ceil(records / everyRecord) : 0);
  let networkBytes: number;
  let seconds: number | null;
  if (full) {
    const n = layers * h * h;
    networkBytes = 8 * (8 * n + 3 * h * h) + Math.min(LANCZOS_BYTES, 8 * n * spec.sharpness.maxIter);
    // One GD step: forward products and the two backward passes, ~3 products of h×h per layer (2h³ flops each).
    const gradient = 6 * layers * h ** 3;
    const sharpness = measurements * LANCZOS_STEPS * GRADIENTS_PER_HVP * gradient;
    seconds = spec.dynamics === "flow" ? null : (spec.steps * gradient + sharpness) / FLOPS_PER_SECOND;
  } else {
    networkBytes = 8 * 16 * spec.depths.length * spec.width;
    seconds = spec.dynamics === "flow" ? null : (spec.steps * spec.depths.length * spec.width) / REDUCED_UPDATES_PER_SECOND;
  }
  return { bytes: networkBytes + recordBytes, seconds, memoryBy: networkBytes >= recordBytes ? "network" : "records" };
}

/** Bytes as "1.6 GB". */
export function fmtBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toPrecision(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toPrecision(2)} MB`;
  return `${Math.ceil(bytes / 1e3)} kB`;
}

/** Seconds as "about 40 s", "about 3 min", "about 2 h". */
export function fmtDuration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}
