/**
 * @file What a run will cost the browser before it starts: memory (the engine's workspaces, the Lanczos
 * basis, the records the page keeps) and an order-of-magnitude time. The page warns above a few seconds
 * and refuses what cannot fit in a tab's memory. The engine's part is src/engine/footprint.ts (the same
 * estimate the CLI checks); the page adds the records it keeps for the plots. DOM-free.
 */
import { formatBytes, formatDuration, runFootprint } from "../../src/engine/footprint.js";
import { plannedRecords, type SimulationSpec } from "../../src/engine/simulate.js";
import { recordLayout } from "./packing.js";

/** Largest estimated footprint the page starts (bytes): half of WebAssembly's 4 GiB ceiling, so a tab keeps room. */
export const MAX_BYTES = 2 * 1024 ** 3;
/** Above this estimate (seconds) the page warns before running. */
export const WARN_SECONDS = 5;

/** The estimate of one run. */
export interface RunCost {
  /** Estimated memory (bytes). */
  bytes: number;
  /** Estimated engine time (seconds), or null when there is no useful model (gradient flow's adaptive steps). */
  seconds: number | null;
  /** What dominates the memory: the network's workspaces or the records kept for the plots. */
  memoryBy: "network" | "records";
}

/** Memory and time of a run: the engine's (src/engine/footprint.ts) plus the records the page keeps. */
export function estimateRun(spec: SimulationSpec): RunCost {
  const engine = runFootprint(spec);
  const records = plannedRecords(spec.record, spec.steps);
  // Packed rows in the page, plus its plot columns (step, time, loss, λ, 2/η, s, balance) of about half a row.
  const recordBytes = records * recordLayout(spec.depths.length, spec.width, spec.sharpness.top).stride * 8 * 1.5;
  return { bytes: engine.bytes + recordBytes, seconds: engine.seconds, memoryBy: engine.bytes >= recordBytes ? "network" : "records" };
}

/** Bytes as "1.6 GB"; seconds as "about 3 min" (the engine's formats). */
export { formatBytes as fmtBytes, formatDuration as fmtDuration };
