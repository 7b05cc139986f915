/**
 * `expandSweep`'s `range` option (the lab's workers expand only their share): every range of a
 * product and of a random search is the matching slice of the full expansion, hashes included.
 */
import { describe, expect, it } from "vitest";
import { expandSweep, parseSweepSpec } from "../../src/sweep/spec.js";

const base = { width: 1, depths: [4, 4], target: { sigma: [1] }, init: { type: "svs", scales: [1e-3, 9e-4] }, dynamics: "reduced", steps: 100 };

describe("sweep expansion by range", () => {
  const product = parseSweepSpec({ base, axes: { h: { from: 0.5, to: 4.5, points: 7 }, depths: { values: [[3, 3], [5, 5]] }, seed: { range: 3 } } });
  const random = parseSweepSpec({ base, axes: { lr: { from: 0.1, to: 0.3, points: 2 }, seed: { values: [1, 2, 3] } }, random: { samples: 30, seed: 7 } });

  for (const [name, spec] of [["product", product], ["random search", random]] as const) {
    it(`gives the slice of the full ${name} for every range`, () => {
      const all = expandSweep(spec).map((p) => ({ index: p.index, hash: p.hash, values: p.values }));
      for (const [from, to] of [[0, 1], [5, 17], [29, 42], [0, all.length], [all.length - 1, all.length + 10], [10, 10]] as const) {
        expect(expandSweep(spec, { range: [from, to] }).map((p) => ({ index: p.index, hash: p.hash, values: p.values })), `${from}..${to}`).toEqual(all.slice(from, to));
      }
    });
  }
});
