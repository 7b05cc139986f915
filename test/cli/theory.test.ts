/**
 * @file `dlnlab theory …` end to end (the CLI's `main` from dist/, built before the suites, run in this
 * process): the fixed JSON keys, values equal to the library's, readable tables, one-line errors with
 * exit code 2.
 */
import { describe, expect, it } from "vitest";
import * as theory from "../../src/theory/index.js";
import { expectUsageError, runMain } from "../helpers/cli.js";

/** Run and parse the single JSON object on stdout. */
async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await runMain(["theory", ...args, "--json"]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split("\n")).toHaveLength(1); // exactly one JSON object
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe("dlnlab theory --json (fixed keys; values are the library's, bit for bit through JSON)", () => {
  it("sharpness, allocation, window, wcr, boundary, rank", async () => {
    const [sh, al, wi, wc, bo, ra] = await Promise.all([
      json(["sharpness", "--depths", "4,4", "--s", "0.7,0.3"]),
      json(["allocation", "--depths", "2,4,6", "--sigma", "1"]),
      json(["window", "--depths", "4,4", "--sigma", "1"]),
      json(["wcr", "--depth", "4"]),
      json(["boundary", "--depths", "4,4", "--sigma", "1", "--lr", "0.625"]),
      json(["rank", "--depths", "4,4", "--sigma", "1,0.6,0.3", "--lr", "0.6"]),
    ]);
    // JSON.stringify round-trips doubles exactly, so equality is exact.
    expect(sh.sharpness).toBe(theory.modeSharpness([4, 4], [0.7, 0.3]));
    const a = theory.optimalAllocation([2, 4, 6], 1);
    expect(al).toMatchObject({ s: a.s, sharpness: a.sharpness });
    const w = theory.stabilityWindow([4, 4], 1);
    expect(wi).toMatchObject({ etaSingle: w.etaSingle, etaBalanced: w.etaBalanced, etaWcr: w.etaWcr });
    expect(wc).toMatchObject({ c: theory.wcrConstant(4), depth: 4 });
    expect(bo).toMatchObject({ s: theory.stoppingBoundary([4, 4], 1, 0.625).s });
    expect(ra).toMatchObject({ rank: 1, belowBalanced: true, belowWcr: true });
  });

  it("central: the library's prediction; boundary's default K > 2 end point is its end split", async () => {
    const init = [0.2 ** 4, 0.19 ** 4, 0.18 ** 4];
    const args = ["--depths", "4,4,4", "--lr", "0.7", "--init-scales", init.join(",")];
    const [c, b] = await Promise.all([json(["central", ...args]), json(["boundary", ...args])]);
    const lib = theory.centralFlowPrediction([4, 4, 4], 1, 0.7, { initScales: init });
    expect(c).toMatchObject({ s: lib.s, entryStep: lib.entryStep, duration: lib.duration, sharpness: lib.sharpness });
    expect(c.trajectory).toBeUndefined();
    expect(b).toMatchObject({ method: "central-flow", s: lib.s });
    expectUsageError(await runMain(["theory", "central", "--depths", "4,4", "--lr", "0.8"]), /^dlnlab: error: --lr: 0\.8 is at or above 2\/λ_bal/);
  });

  it("boundary takes --init-scales, --approximation and --allow-above-wcr", async () => {
    const init = [0.2 ** 4, 0.19 ** 4, 0.18 ** 4];
    const out = await json(["boundary", "--depths", "4,4,4", "--lr", "0.7", "--init-scales", init.join(","), "--approximation", "drift-flow"]);
    expect(out).toMatchObject({ method: "drift-flow", s: theory.stoppingBoundary([4, 4, 4], 1, 0.7, { initScales: init, approximation: "drift-flow" }).s });
    const eight = "4,4,4,4,4,4,4,4";
    const wide = await json(["boundary", "--depths", eight, "--lr", "1.1", "--allow-above-wcr"]);
    expect(wide.method).toBe("central-flow");
    const wcr = await json(["wcr", "--depth", "2", "--sigma", "1"]);
    expect(wcr.etaWcr).toBe(theory.wcrStep(2, 1));
  });
});

describe("dlnlab theory tables", () => {
  it("prints labelled, aligned tables by default", async () => {
    const [al, wi, bo] = await Promise.all([
      runMain(["theory", "allocation", "--depths", "2,2,5"]),
      runMain(["theory", "window", "--depths", "3,5,7"]),
      runMain(["theory", "boundary", "--depths", "4,4", "--lr", "0.625"]),
    ]);
    expect(al.code).toBe(0);
    expect(al.stdout).toMatch(/pathway\s+depth\s+s_k/);
    expect(al.stdout).toMatch(/sharpness λ_bal\s+1\.925591/);
    expect(al.stdout).toMatch(/pathways 1,2 share an interval of optima/); // two depth-2 pathways
    expect(wi.stdout).toMatch(/re-balancing window: 0\.2857143 < lr < 0\.858458/);
    expect(wi.stdout).toMatch(/shallowest pathway/);
    expect(bo.stdout).toMatch(/1 \(dominant\)/);
    expect(bo.stdout).toMatch(/method\s+exact/);
  });

  it("documents every option with its default in --help, including what etaSingle/etaWcr mean", async () => {
    const [wi, bo, al] = await Promise.all([
      runMain(["theory", "window", "--help"]),
      runMain(["theory", "boundary", "--help"]),
      runMain(["theory", "allocation", "--help"]),
    ]);
    expect(wi.code).toBe(0);
    expect(wi.stdout).toMatch(/SHARPEST single-path minimum/);
    expect(wi.stdout).toMatch(/SHALLOWEST pathway/);
    expect(wi.stdout).toMatch(/--sigma <x>.*\(default: "1"\)/s);
    expect(bo.stdout).toMatch(/--init-scales <list>[\s\S]*1e-6·0\.9\^\(k−1\)/);
    expect(bo.stdout).toMatch(/--approximation <name>[\s\S]*default: "central-flow"/);
    expect(al.stdout).toMatch(/equal split/);
  });
});

describe.concurrent("dlnlab theory errors: one line, exit code 2, naming the flag", () => {
  const cases: [string, string[], RegExp][] = [
    ["lr below the window", ["boundary", "--depths", "4,4", "--lr", "0.4"], /^dlnlab: error: --lr: 0\.4 is at or below 2\/λ_single = 0\.500000/],
    ["lr above 2/λ_bal", ["boundary", "--depths", "4,4", "--lr", "0.8"], /^dlnlab: error: --lr: 0\.8 is at or above 2\/λ_bal/],
    ["lr above η_WCR", ["boundary", "--depths", "4,4,4,4,4,4,4,4", "--lr", "1.1"], /^dlnlab: error: --lr: 1\.1 is at or above η_WCR/],
    ["depth 0", ["sharpness", "--depths", "4,0", "--s", "1,1"], /^dlnlab: error: --depths \(item 2\): expected an integer >= 1/],
    ["length mismatch", ["sharpness", "--depths", "4,4", "--s", "1"], /^dlnlab: error: --s: expected 2 values/],
    ["negative σ", ["window", "--depths", "4,4", "--sigma", "-1"], /^dlnlab: error: --sigma: expected a number > 0/],
    ["non-finite", ["wcr", "--depth", "Infinity"], /^dlnlab: error: --depth: expected a finite number/],
    ["bad init scale", ["boundary", "--depths", "4,4", "--lr", "0.6", "--init-scales", "1e-6"], /^dlnlab: error: --init-scales: expected 2 values/],
    ["heterogeneous rank", ["rank", "--depths", "4,5", "--sigma", "1", "--lr", "0.6"], /^dlnlab: error: --depths: expected equal depths/],
    ["unsorted spectrum", ["rank", "--depths", "4,4", "--sigma", "0.5,1", "--lr", "0.6"], /^dlnlab: error: --sigma: expected non-increasing/],
    ["missing option", ["allocation"], /^dlnlab: error: required option '--depths <list>' not specified/],
  ];
  it.each(cases)("%s", async (_name, args, message) => {
    expectUsageError(await runMain(["theory", ...args]), message);
  });
});
