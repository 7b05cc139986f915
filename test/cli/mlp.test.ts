/**
 * `dlnlab run --model mlp` as a user sees it: the same JSON and files as a linear run, the MLP flags
 * in --help, and one-line errors with exit code 2 that name the flag or the file position.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectUsageError, runMain } from "../helpers/cli.js";

const tmp = () => mkdtempSync(join(tmpdir(), "dlnlab-mlp-"));

const SMALL = ["--model", "mlp", "--activation", "tanh", "--hidden", "8", "--init-std", "0.05", "--width", "3", "--depths", "3,3", "--sigma", "0.25", "--lr", "2", "--steps", "400", "--seed", "1"];

describe("dlnlab run --model mlp", () => {
  it("prints the same JSON contract as a linear run", async () => {
    const res = await runMain(["run", "--json", ...SMALL, "--sharpness-every", "100"]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as Record<string, any>;
    expect(["converged", "oscillating", "diverged", "max-steps"]).toContain(out.status);
    expect(out.final.s).toHaveLength(2);
    expect(out.final.s[0]).toHaveLength(3);
    expect(out.final.balanceIndex).toHaveLength(3);
    expect(out.final.sharpness).toBeGreaterThan(0);
    expect(out.final.stabilityThreshold).toBe(1);
    expect(out.config.model).toBe("mlp");
    expect(out.config.mlp).toEqual({ activation: "tanh", hidden: [8, 8], bias: false, init: { type: "gaussian", std: 0.05 } });
    expect(out.timing.backend).toBe("wasm");
    // The loss went down from the small init (½σ² = 0.03125) during the run.
    expect(out.final.loss).toBeLessThan(0.03);
  });

  it("writes config.json, trajectory.csv, result.json and the figures", async () => {
    const dir = tmp();
    // --he-scale replaces SMALL's --init-std (giving both is refused: they choose different inits).
    const he = SMALL.filter((a, i) => a !== "--init-std" && SMALL[i - 1] !== "--init-std");
    const res = await runMain(["run", ...he, "--bias", "on", "--he-scale", "0.3", "--out", dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/status\s+\S+/);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.simulation.mlp.init).toEqual({ type: "he", scale: 0.3 });
    expect(config.simulation.mlp.bias).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    const csv = readFileSync(join(dir, "trajectory.csv"), "utf8").trim().split("\n");
    expect(csv[0]!.split(",")).toEqual(result.columns.map((c: { name: string }) => c.name));
    const last = csv[csv.length - 1]!.split(",");
    expect(Number(last[csv[0]!.split(",").indexOf("s_2_1")])).toBe(result.final.s[1][0]);
    for (const f of ["modes", "loss", "sharpness"]) expect(readFileSync(join(dir, `${f}.svg`), "utf8")).toMatch(/^<svg/);
  });

  it("lists the MLP flags in --help", async () => {
    const res = await runMain(["run", "--help"]);
    for (const flag of ["--model <model>", "--activation <φ>", "--hidden <h|h1,h2,…>", "--bias <on|off>", "--he-scale <c>", "--init-std <std>"]) {
      expect(res.stdout).toContain(flag);
    }
  });

  const errors: [string, string[], RegExp][] = [
    ["an MLP flag without --model mlp", ["--activation", "tanh"], /^dlnlab: error: --activation: only used with --model mlp\n$/],
    ["reduced dynamics", ["--model", "mlp", "--dynamics", "reduced"], /^dlnlab: error: --dynamics: reduced dynamics are not defined for MLPs/],
    ["a linear init flag", ["--model", "mlp", "--init-scales", "0.1,0.1"], /^dlnlab: error: --init-scales: not used by MLP models/],
    ["hidden widths for the wrong number of pathways", ["--model", "mlp", "--depths", "2,2", "--hidden", "4,4,4"], /^dlnlab: error: --hidden: has 3 values; expected 1 or 2/],
    ["an unknown activation", ["--model", "mlp", "--activation", "softplus"], /^dlnlab: error: --activation: expected one of linear, tanh, relu, gelu, swish, erf, sin/],
    ["a bad --bias", ["--model", "mlp", "--bias", "maybe"], /^dlnlab: error: --bias: expected on or off/],
  ];
  // Concurrent: each is a separate process (~0.3 s of Node start-up) and they share nothing.
  for (const [what, args, pattern] of errors) {
    it.concurrent(`rejects ${what} with one line and exit code 2`, async () => {
      expectUsageError(await runMain(["run", ...args, "--steps", "10"]), pattern);
    });
  }

  it("names file:line:col for MLP settings in a linear config", async () => {
    const dir = tmp();
    const file = join(dir, "run.yaml");
    writeFileSync(file, "width: 2\nmlp:\n  hidden: 8\n");
    const res = await runMain(["run", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`^dlnlab: error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:3: mlp: is only used with model: mlp`));
  });

  it("runs every example config of examples/mlp (shortened to 40 steps)", async () => {
    const dir = fileURLToPath(new URL("../../examples/mlp", import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const results = await Promise.all(files.map((f) => runMain(["run", join(dir, f), "--steps", "40", "--sharpness-every", "0", "--json"])));
    results.forEach((res, j) => {
      expect(res.code, `${files[j]}: ${res.stderr}`).toBe(0);
      const out = JSON.parse(res.stdout);
      expect(out.config.model).toBe("mlp");
      expect(out.config.mlp.hidden).toEqual([64, 64]);
    });
  });
});
