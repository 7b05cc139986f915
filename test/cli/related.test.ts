/**
 * `dlnlab run` for the related dynamics of docs/theory.md §9–§10 as a user sees it: the deep linear classifier
 * (`--model classifier`), bottleneck initialisations of MLPs (`--epsilon`, `--small-layers`, `--init-base`),
 * the escape stop (`--loss-fraction`), decreasing steps (`--decay-steps`), the example configs, and one-line
 * errors with exit code 2 that name the flag.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { chainEscapeTime } from "../../src/theory/saddle.js";
import { expectUsageError, runMain } from "../helpers/cli.js";

describe("dlnlab run --model classifier", () => {
  const args = ["run", "--model", "classifier", "--depths", "3", "--width", "2", "--points", "12", "--loss", "exponential",
    "--hidden", "4", "--decay-steps", "100", "--lr", "1", "--steps", "2000", "--seed", "1", "--sharpness-every", "0"];

  it("trains the deep linear classifier: risk as the loss, the predictor's coordinates along ŵ, per-layer norms", async () => {
    const res = await runMain([...args, "--json"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.config.model).toBe("classifier");
    expect(out.config.classifier).toEqual({ loss: "exponential", hidden: 4, data: { points: 12, mean: 1, spread: 1, margin: 0.1 }, init: { type: "gaussian", std: 0.3 } });
    expect(out.config.schedule).toEqual({ type: "decay", timescale: 100, power: 1 });
    expect(out.final.layerNorms[0]).toHaveLength(3);
    // Unit coordinates of w/‖w‖, the first along the max-margin direction (rounding only).
    expect(Math.abs(Math.hypot(...out.final.s[0]) - 1)).toBeLessThan(1e-12);
    expect(out.final.s[0][0]).toBeGreaterThan(0.9);
    expect(out.final.loss).toBeLessThan(0.05);
  });

  it("summarises the run in the classifier's terms: risk, the angle to ŵ_SVM and the layer norms of the JSON result", async () => {
    const [text, json] = await Promise.all([runMain(args), runMain([...args, "--json"])]);
    expect(text.code, text.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(text.stdout).toContain("GD on a depth-3 linear classifier (exponential loss)");
    expect(text.stdout).toMatch(/^final risk {2}\S+$/m);
    const angle = Number(/^angle to ŵ_SVM\s+([\d.]+)°$/m.exec(text.stdout)?.[1]);
    // Printed to 3 significant digits.
    expect(Math.abs(angle - (Math.acos(out.final.s[0][0]) * 180) / Math.PI)).toBeLessThan(0.005 * angle);
    out.final.layerNorms[0].forEach((n: number, l: number) => {
      expect(Number(new RegExp(`^‖W_${l + 1}‖_F\\s+(\\S+)$`, "m").exec(text.stdout)?.[1])).toBeCloseTo(n, 3);
    });
  });
});

describe("dlnlab run --model mlp with a bottleneck initialisation", () => {
  it("stops at the escape from the plateau (checked at every unit of time): the first integer time past the chain's τ", async () => {
    const res = await runMain(["run", "--json", "--model", "mlp", "--activation", "linear", "--width", "3", "--depths", "6", "--hidden", "3", "--sigma", "1,1,1",
      "--epsilon", "0.01", "--small-layers", "1,2,3", "--init-base", "identity", "--dynamics", "flow", "--lr", "1", "--steps", "1000",
      "--record-every", "1", "--loss-fraction", "0.5", "--sharpness-every", "0"]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.config.mlp.init).toEqual({ type: "bottleneck", epsilon: 0.01, layers: [1, 2, 3], base: "identity", scale: 1 });
    expect(out.status).toBe("converged");
    expect(out.stop.reason).toMatch(/escape from the plateau/);
    expect(out.final.time).toBe(Math.ceil(chainEscapeTime({ depth: 6, small: 3, epsilon: 0.01, sigma: 1, fraction: 0.5 })));
  });

  it("lists the new flags in --help", async () => {
    const res = await runMain(["run", "--help"]);
    for (const flag of ["--epsilon <ε>", "--small-layers <l1,l2,…>", "--init-base <base>", "--loss-fraction <f>", "--decay-steps <T>", "--decay-power <p>", "--loss <ℓ>", "--points <n>", "--margin <γ>"]) {
      expect(res.stdout).toContain(flag);
    }
  });

  it("runs every example config of examples/related (shortened)", async () => {
    const dir = fileURLToPath(new URL("../../examples/related", import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const results = await Promise.all(files.map((f) => runMain(["run", join(dir, f), "--steps", "200", "--json"])));
    results.forEach((res, j) => {
      expect(res.code, `${files[j]}: ${res.stderr}`).toBe(0);
      expect(["classifier", "mlp"]).toContain(JSON.parse(res.stdout).config.model);
    });
  });
});

describe("bad input for the new models and options", () => {
  const errors: [string, string[], RegExp][] = [
    ["an unknown loss", ["--model", "classifier", "--depths", "3", "--loss", "hinge"], /^dlnlab: error: --loss: expected one of logistic, exponential, got "hinge"\n$/],
    ["a classifier flag without the model", ["--points", "10"], /^dlnlab: error: --points: only used with --model classifier\n$/],
    ["a bottleneck flag without --model mlp", ["--small-layers", "1"], /^dlnlab: error: --small-layers: only used with --model mlp\n$/],
    ["two pathways for the classifier", ["--model", "classifier", "--depths", "3,3"], /^dlnlab: error: --depths: model classifier has one pathway/],
    ["a target for the classifier", ["--model", "classifier", "--depths", "3", "--sigma", "1"], /^dlnlab: error: --sigma: the target is not used by model: classifier/],
    ["the linear init for the classifier", ["--model", "classifier", "--depths", "3", "--init", "svs"], /^dlnlab: error: --init: not used by model classifier\n$/],
    ["a small layer beyond the depth", ["--model", "mlp", "--depths", "3", "--epsilon", "0.1", "--small-layers", "5"], /^dlnlab: error: --small-layers \(item 1\): layer 5 does not exist/],
    ["an unknown base", ["--model", "mlp", "--init-base", "zeros"], /^dlnlab: error: --init-base: expected one of identity, orthogonal, he/],
    ["a loss fraction outside (0, 1)", ["--loss-fraction", "1.5"], /^dlnlab: error: --loss-fraction: must be in \(0, 1\)/],
    ["a zero decay time", ["--decay-steps", "0"], /^dlnlab: error: --decay-steps: must be an integer >= 1/],
  ];
  for (const [what, args, pattern] of errors) {
    it.concurrent(`rejects ${what} with one line and exit code 2`, async () => {
      expectUsageError(await runMain(["run", ...args, "--steps", "10"]), pattern);
    });
  }
});
