/**
 * @file The sweep page's DOM-free state (lab/src/sweep-state.ts): the URL round trip of a spec and a
 * cell, the figure layout a spec implies, and the run-page link of a point, which must resolve to the
 * very engine spec the sweep ran (checked for every point of the example sweeps).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandSweep } from "../../src/sweep/spec.js";
import { evaluate, fromQuery } from "../../lab/src/state.js";
import { fromSweepQuery, layoutOf, parseSpecText, runLink, sweepQuery } from "../../lab/src/sweep-state.js";
import { ROOT } from "./harness.js";

const EXAMPLES = join(ROOT, "examples", "sweeps");

describe("sweep page state", () => {
  it("round-trips a spec and a cell through the query", () => {
    const raw = { name: "a, b & c", base: { preset: "large-step", steps: 100 }, axes: { h: { from: 0.5, to: 4.5, points: 3 }, depths: { values: [[4, 4], [6, 6]] } } };
    const back = fromSweepQuery(`?${sweepQuery(raw, 4)}`);
    expect(back.notes).toEqual([]);
    expect(back.cell).toBe(4);
    expect(parseSpecText(back.text!).raw).toEqual(raw);
    expect(fromSweepQuery("?spec={oops&cell=x&zz=1").notes).toHaveLength(3);
  });

  it("draws a heat map over two varying axes, a profile over one, and counts a zip group once", () => {
    const two = layoutOf(parseSpecText(JSON.stringify({ axes: { seed: { values: [0] }, h: { from: 1, to: 2, points: 3 }, depths: { values: [[4, 4], [6, 6]] } } })).spec)!;
    expect([two.kind, two.x.name, two.row?.name]).toEqual(["heatmap", "h", "depths"]);
    const zip = layoutOf(parseSpecText(readFileSync(join(EXAMPLES, "K-L-top.yaml"), "utf8")).spec)!;
    expect([zip.kind, zip.x.name]).toEqual(["profile", "h"]);
  });

  it("links every point of the example sweeps to a run-page state with the same engine spec", () => {
    let checked = 0;
    for (const file of readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f))) {
      const { spec } = parseSpecText(readFileSync(join(EXAMPLES, file), "utf8"), file);
      // A few points of each: the first, a middle one and the last.
      const points = expandSweep(spec);
      for (const p of [points[0]!, points[points.length >> 1]!, points[points.length - 1]!]) {
        const link = runLink(p);
        const ev = evaluate(fromQuery(link.query, []).state);
        expect(ev.ok, `${file} point ${p.index}`).toBe(true);
        if (!ev.ok) continue;
        // The run page's spec, read back from the link alone, is the point's.
        expect(ev.spec, `${file} point ${p.index}`).toEqual(p.spec);
        expect(link.exact).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(15);
  });
});
