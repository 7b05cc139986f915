/**
 * @file The engine's sign-flip watch (stop.signFlip: "note", reduced GD): `Simulation.signFlip` is the
 * first step whose state has a negative layer scalar, as a plain step loop over the reduced kernel sees
 * it, whatever the record plan and across an interruption and resume; it does not stop the run or
 * change its final state.
 */
import { describe, expect, it } from "vitest";
import { balancedGdStepTyped } from "../../src/engine/dynamics/reduced.js";
import { Simulation, type SimulationSpec } from "../../src/engine/simulate.js";
import { RunConfigSchema, resolveRunConfig } from "../../src/config/schema.js";

function spec(lr: number, record: Record<string, unknown>): SimulationSpec {
  const s = resolveRunConfig(RunConfigSchema.parse({
    width: 1, depths: [4, 3], target: { sigma: [1] }, init: { type: "svs", scales: [0.0016, 0.0013] }, dynamics: "reduced", lr, steps: 1500, record,
  }));
  return { ...s, stop: { ...s.stop, signFlip: "note" } };
}

/** First step t whose state (after t steps) has a negative scalar, by the bare kernel, up to `steps`. */
function plainFlip(lr: number, steps: number): number | null {
  const a = Float64Array.of(0.0016 ** (1 / 4), 0.0013 ** (1 / 3));
  for (let t = 1; t <= steps; t++) {
    balancedGdStepTyped(a, Int32Array.of(4, 3), Float64Array.of(1), lr, new Float64Array(1), new Float64Array(2));
    if (a[0]! < 0 || a[1]! < 0) return t;
  }
  return null;
}

describe("the sign-flip watch", () => {
  it("notes the first negative layer scalar at its step, for every record plan and across a resume", () => {
    let flipped = 0;
    for (const lr of [0.3, 0.8, 1.0, 1.05, 1.1, 1.2, 1.3]) {
      const runs = [{ every: 1 }, { every: 7 }, { every: "auto" }].map((record) => {
        const sim = new Simulation(spec(lr, record));
        sim.advance(Number.MAX_SAFE_INTEGER);
        return sim;
      });
      const ref = runs[0]!;
      // A plain loop up to the run's own end (a stopped run's successor state never counts).
      expect(ref.signFlip, `lr ${lr}`).toBe(plainFlip(lr, ref.step));
      for (const sim of runs.slice(1)) {
        expect(sim.signFlip, `lr ${lr}`).toBe(ref.signFlip);
        expect(Array.from(sim.system.state)).toEqual(Array.from(ref.system.state));
      }
      // Interrupted half-way and resumed from its snapshot.
      const first = new Simulation(spec(lr, { every: 7 }));
      first.advance(Math.floor(ref.step / 2));
      const resumed = new Simulation(spec(lr, { every: 7 }), { resume: JSON.parse(JSON.stringify(first.snapshot())) });
      resumed.advance(Number.MAX_SAFE_INTEGER);
      expect(resumed.signFlip, `lr ${lr} resumed`).toBe(ref.signFlip);
      // Unwatched, the same run ends in the same state.
      const plain = new Simulation({ ...spec(lr, { every: 7 }), stop: { ...ref.spec.stop, signFlip: undefined } });
      plain.advance(Number.MAX_SAFE_INTEGER);
      expect(plain.signFlip).toBeNull();
      expect(Array.from(plain.system.state)).toEqual(Array.from(ref.system.state));
      if (ref.signFlip !== null) flipped++;
    }
    // The cases cover runs with and without a flip.
    expect(flipped).toBeGreaterThan(0);
    expect(flipped).toBeLessThan(7);
  });
});
