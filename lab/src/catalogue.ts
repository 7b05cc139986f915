/**
 * @file The CLI's embedded presets (src/config/presets.ts) as lab bases, validated exactly as
 * `dlnlab run --preset NAME` validates them. Nothing is copied: a changed preset changes the lab on
 * the next build. DOM-free.
 */
import { PRESETS } from "../../src/config/presets.js";
import type { BaseConfig } from "./state.js";

/** The embedded presets, as `dlnlab run --preset NAME` sees them. */
export function presetBases(): BaseConfig[] {
  return PRESETS.map((p) => ({
    kind: "preset" as const,
    id: p.name,
    label: p.name,
    description: p.description,
    raw: p.config,
    origin: { file: `preset ${p.name}` },
  }));
}

