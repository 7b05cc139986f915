/**
 * `dlnlab run` as a user sees it: the JSON contract, the files of --out, one-line errors with exit
 * code 2 for every kind of bad input, Ctrl-C (exit 130, nothing computed is lost) and --resume.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectUsageError, runCli } from "../helpers/cli.js";
import { expectAllClose } from "../helpers/allclose.js";

const tmp = () => mkdtempSync(join(tmpdir(), "dlnlab-run-"));

describe("dlnlab run --json", () => {
  it("prints one JSON object with status, final.loss, final.s, final.sharpness and timing.seconds", async () => {
    const res = await runCli(["run", "--json", "--width", "3", "--depths", "4,4", "--sigma", "1,0.5", "--init-scales", "0.0016,0.0013", "--lr", "0.625", "--steps", "3000", "--dynamics", "full", "--seed", "3", "--sharpness-every", "100"]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(""); // no progress bar or chatter when not on a terminal
    const out = JSON.parse(res.stdout) as Record<string, any>;
    expect(["converged", "oscillating", "diverged", "max-steps"]).toContain(out.status);
    expect(out.final.s).toHaveLength(2);
    expect(out.final.s[0]).toHaveLength(3);
    expect(typeof out.final.loss).toBe("number");
    expect(out.timing.seconds).toBeGreaterThan(0);
    // In the re-balancing window the final sharpness sits just below 2/η = 3.2 (docs/theory.md §4).
    expect(out.final.sharpness).toBeLessThan(3.2);
    expect(out.final.sharpness).toBeGreaterThan(3.1);
    expect(out.config.seed).toBe(3);
  });

  it("--dynamics reduced and flow run from flags too", async () => {
    const red = JSON.parse((await runCli(["run", "--json", "--width", "1", "--sigma", "1", "--dynamics", "reduced", "--lr", "0.625", "--steps", "100000"])).stdout);
    expectAllClose(red.final.s.map((r: number[]) => r[0]), [0.783, 0.217], { atol: 1.5e-3 }, "reduced final s");
    const flow = JSON.parse((await runCli(["run", "--json", "--width", "1", "--sigma", "1", "--dynamics", "flow", "--flow-system", "reduced", "--lr", "0.1", "--steps", "2000"])).stdout);
    expect(flow.status).toBe("converged");
    // Gradient flow ends on its leaf (docs/theory.md §6): z = a⁻²/2 for L = 4, so a₁⁻² − a₂⁻² is conserved from
    // the init (0.2, 0.19) and the end point solves a₁⁴ + a₂⁴ = 1 on that leaf (bisection on a₁).
    const c = 0.2 ** -2 - 0.19 ** -2;
    const a2 = (a1: number) => (a1 ** -2 - c) ** -0.5;
    let lo = 0.5;
    let hi = 1;
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (mid ** 4 + a2(mid) ** 4 > 1) hi = mid;
      else lo = mid;
    }
    const predicted = [lo ** 4, a2(lo) ** 4];
    // The run converges to loss ≤ 1e-20·½ and integrates with rtol 1e-10: the split agrees to 1e-8.
    expectAllClose(flow.final.s.map((r: number[]) => r[0]), predicted, { atol: 1e-8 }, "flow end point vs its leaf");
  });
});

describe("dlnlab run --out", () => {
  it("writes the resolved config, trajectory.csv, result.json and SVG+PNG figures", async () => {
    const dir = tmp();
    const res = await runCli(["run", "--preset", "large-step", "--out", dir]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/status\s+converged/);
    const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    expect(config.dlnlab.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(config.simulation.seed).toBe(0);
    expect(config.simulation.lr).toBe(0.625);
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    const csv = readFileSync(join(dir, "trajectory.csv"), "utf8").trim().split("\n");
    const header = csv[0]!.split(",");
    expect(header).toEqual(result.columns.map((c: { name: string }) => c.name));
    expect(header).toContain("s_2_1");
    // The last CSV row is the final state reported in result.json.
    const last = csv[csv.length - 1]!.split(",");
    expect(Number(last[0])).toBe(result.final.step);
    expect(Number(last[header.indexOf("s_1_1")])).toBe(result.final.s[0][0]);
    for (const f of ["modes", "loss", "sharpness"]) {
      expect(readFileSync(join(dir, `${f}.svg`), "utf8")).toMatch(/^<svg/);
      expect(readFileSync(join(dir, `${f}.png`)).subarray(1, 4).toString()).toBe("PNG");
    }
  });
});

describe("dlnlab run outputs for other models and defaults", () => {
  it("an MLP run writes per-layer Frobenius norms to trajectory.csv and result.json", async () => {
    const dir = tmp();
    const res = await runCli(["run", "--model", "mlp", "--hidden", "8", "--width", "3", "--depths", "2,3", "--lr", "0.2", "--steps", "50", "--no-figures", "--out", dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/GD on tanh MLP \(hidden 8\)/);
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    const csv = readFileSync(join(dir, "trajectory.csv"), "utf8").trim().split("\n");
    const header = csv[0]!.split(",");
    expect(header.filter((h) => h.startsWith("norm_"))).toEqual(["norm_1_1", "norm_1_2", "norm_2_1", "norm_2_2", "norm_2_3"]);
    const last = csv[csv.length - 1]!.split(",").map(Number);
    const norms = header.flatMap((h, j) => (h.startsWith("norm_") ? [last[j]!] : []));
    expect(norms).toEqual(result.final.layerNorms.flat());
    // Gaussian init with std 0.01: ‖W‖_F of an h×d layer starts near 0.01·√(h·d); after 50 small steps it is positive and finite.
    for (const n of norms) expect(n).toBeGreaterThan(0);
  });

  it("--basis alone keeps the default spectrum (cut to the width)", async () => {
    const out = JSON.parse((await runCli(["run", "--basis", "symmetric", "--width", "1", "--json", "--no-figures"])).stdout);
    expect(out.config.target).toEqual({ sigma: [1], basis: "symmetric" });
  });
});

describe("bad input: one line naming the flag or field, exit code 2, no stack trace", () => {
  const bad: [string, string[], RegExp][] = [
    ["width < 1", ["--width", "0"], /--width: must be an integer >= 1/],
    ["depth < 1", ["--depths", "4,0"], /--depths \(item 2\): must be an integer >= 1/],
    ["lr ≤ 0", ["--lr", "0"], /--lr: must be > 0/],
    ["negative lr", ["--lr", "-1"], /--lr: must be > 0/],
    ["non-finite number", ["--lr", "Infinity"], /--lr: expected a finite number/],
    ["NaN", ["--sigma", "1,NaN"], /--sigma \(item 2\): expected a finite number/],
    ["wrong type", ["--width", "abc"], /--width: expected a finite number/],
    ["non-integer", ["--steps", "10.5"], /--steps: expected an integer/],
    ["mismatched lengths", ["--depths", "4,4", "--init-scales", "0.1,0.2,0.3"], /--init-scales: has 3 values; expected 1 or 2/],
    ["too many singular values", ["--width", "2", "--sigma", "1,0.5,0.2"], /--sigma: has 3 values but the width is 2/],
    ["unknown flag", ["--wdith", "3"], /unknown option '--wdith'/],
    ["bad choice", ["--dynamics", "fast"], /--dynamics: expected one of full, reduced, flow/],
    ["unknown preset", ["--preset", "nope"], /--preset: unknown preset "nope"/],
    ["reduced needs SVS", ["--dynamics", "reduced", "--init-std", "0.1"], /reduced dynamics need an SVS initialisation/],
    ["missing config file", ["/nonexistent/run.yaml"], /CONFIG: \/nonexistent\/run.yaml does not exist/],
  ];
  for (const [what, args, pattern] of bad) {
    it(what, async () => {
      expectUsageError(await runCli(["run", ...args]), pattern);
    });
  }

  const files: [string, string, RegExp][] = [
    ["unknown field", "width: 2\nlearning_rate: 0.1\n", /run\.yaml:2:1: learning_rate: unknown field/],
    ["wrong type in a file", "width: 2\nlr: fast\n", /run\.yaml:2:5: lr: expected number \(got "fast"\)/],
    ["nested wrong value", "init:\n  type: svs\n  scales: [0.1, -2]\n", /run\.yaml:3:17: init\.scales\[1\]: must be > 0/],
    ["non-finite in YAML", "lr: .inf\n", /run\.yaml:1:5: lr: expected number \(got Infinity\)/],
    ["YAML syntax error", "width: [2\n", /run\.yaml:\d+:\d+: /],
    ["unknown init type", "init: {type: orthogonal}\n", /init\.type: Invalid discriminator value/],
  ];
  for (const [what, text, pattern] of files) {
    it(`${what} (config file)`, async () => {
      const dir = tmp();
      const file = join(dir, "run.yaml");
      writeFileSync(file, text);
      const res = await runCli(["run", file]);
      expect(res.code).toBe(2);
      const lines = res.stderr.trim().split("\n");
      expect(lines, res.stderr).toHaveLength(1);
      expect(lines[0]!.replace(dir + "/", "")).toMatch(pattern);
    });
  }

  it("flags override config fields and are named in errors", async () => {
    const dir = tmp();
    const file = join(dir, "run.json");
    writeFileSync(file, JSON.stringify({ width: 1, depths: [4, 4], target: { sigma: [1] }, lr: 0.125, steps: 200, dynamics: "reduced" }));
    const ok = JSON.parse((await runCli(["run", file, "--lr", "0.625", "--json"])).stdout);
    expect(ok.config.lr).toBe(0.625);
    const bad = await runCli(["run", file, "--lr", "-3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("dlnlab: error: --lr: must be > 0 (got -3)");
  });
});

describe("interrupt and resume", () => {
  it("Ctrl-C writes what was computed and exits 130; --resume finishes to the same result as an uninterrupted run", async () => {
    const dir = tmp();
    // Exact reduced GD, long enough (~2–3 s) to be interrupted in the middle.
    const args = ["run", "--dynamics", "reduced", "--width", "1", "--sigma", "1", "--lr", "0.625", "--steps", "40000000", "--loss-tol", "1e-300", "--record-every", "400001", "--sharpness-every", "0"];
    const bin = fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url));
    const child = spawn(process.execPath, [bin, ...args, "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    // Wait until some of the trajectory is on disk, then press Ctrl-C.
    const csv = join(dir, "trajectory.csv");
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (existsSync(csv) && readFileSync(csv, "utf8").trim().split("\n").length >= 3) break;
    }
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted at step \d+; resume with --resume/);
    const partial = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    expect(partial.status).toBe("interrupted");
    expect(partial.final.step).toBeGreaterThan(0);
    expect(partial.final.step).toBeLessThan(40_000_000);
    const cp = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8"));
    expect(cp.complete).toBe(false);

    const resumed = await runCli([...args, "--out", dir, "--resume", "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const whole = await runCli([...args, "--json"]);
    const a = JSON.parse(resumed.stdout);
    const b = JSON.parse(whole.stdout);
    expect(a.status).toBe(b.status);
    // GD is deterministic and the checkpoint stores the state exactly: bit-identical final state.
    expect(a.final.s).toEqual(b.final.s);
    expect(a.final.step).toBe(40_000_000);
    // The CSV has every recorded step exactly once, in order.
    const steps = readFileSync(csv, "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[0]));
    expect(steps).toEqual([...steps].sort((x, y) => x - y));
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps[steps.length - 1]).toBe(40_000_000);
    const again = await runCli([...args, "--out", dir, "--resume"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already complete/);
  });
});

describe("dlnlab run --dynamics central and --predict central", () => {
  it("writes the central flow's columns and ends on the exact K = 2 boundary; --predict overlays it on GD's figure", async () => {
    const out = tmp();
    const flags = ["--width", "1", "--sigma", "1", "--lr", "0.625", "--steps", "600", "--record-every", "50"];
    const res = await runCli(["run", "--json", ...flags, "--dynamics", "central", "--flow-system", "reduced", "--out", join(out, "c"), "--no-figures"]);
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout) as Record<string, any>;
    // The exact K = 2 boundary λ(s₁, 1 − s₁) = 3.2 (docs/theory.md §6 example): s₁ = 0.79246; the flow approaches it
    // exponentially (x halves every ~28 steps), 1e-4 after 600 steps.
    expectAllClose(r.final.s[0][0], 0.7924634732, { atol: 1e-4 }, "end split");
    const header = readFileSync(join(out, "c", "trajectory.csv"), "utf8").split("\n")[0]!.split(",");
    expect(header.slice(-3)).toEqual(["edge", "avg_loss", "x_1"]);
    const gd = await runCli(["run", ...flags, "--dynamics", "reduced", "--predict", "central", "--out", join(out, "g")]);
    expect(gd.code).toBe(0);
    expect(readFileSync(join(out, "g", "modes.svg"), "utf8")).toContain("central flow (predicted)");
    expectUsageError(await runCli(["run", ...flags, "--dynamics", "flow", "--predict", "central"]), /^dlnlab: error: --predict central: compares with a GD run/);
  });
});
