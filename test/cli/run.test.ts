/**
 * `dlnlab run` as a user sees it: the JSON contract, the files of --out (with the exact states in
 * NumPy's .npz), one-line errors with exit code 2 for every kind of bad input, Ctrl-C (exit 130,
 * nothing computed is lost), --resume, --force and the out-dir lock, the normalised step --h, and
 * `dlnlab demo`'s own output directory.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { expectUsageError, runCli, runMain } from "../helpers/cli.js";
import { expectAllClose } from "../helpers/allclose.js";
import { Simulation, type SimulationSpec } from "../../src/engine/simulate.js";

const tmp = () => mkdtempSync(join(tmpdir(), "dlnlab-run-"));

describe("dlnlab run --json", () => {
  it("prints one JSON object with status, final.loss, final.s, final.sharpness and timing.seconds", async () => {
    const res = await runMain(["run", "--json", "--width", "3", "--depths", "4,4", "--sigma", "1,0.5", "--init-scales", "0.0016,0.0013", "--lr", "0.625", "--steps", "3000", "--dynamics", "full", "--seed", "3", "--sharpness-every", "100"]);
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
    const red = JSON.parse((await runMain(["run", "--json", "--width", "1", "--sigma", "1", "--dynamics", "reduced", "--lr", "0.625", "--steps", "100000"])).stdout);
    expectAllClose(red.final.s.map((r: number[]) => r[0]), [0.783, 0.217], { atol: 1.5e-3 }, "reduced final s");
    const flow = JSON.parse((await runMain(["run", "--json", "--width", "1", "--sigma", "1", "--dynamics", "flow", "--flow-system", "reduced", "--lr", "0.1", "--steps", "2000"])).stdout);
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
    const res = await runMain(["run", "--preset", "large-step", "--out", dir]);
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
    const res = await runMain(["run", "--model", "mlp", "--hidden", "8", "--width", "3", "--depths", "2,3", "--lr", "0.2", "--steps", "50", "--no-figures", "--out", dir]);
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
    const out = JSON.parse((await runMain(["run", "--basis", "symmetric", "--width", "1", "--json", "--no-figures"])).stdout);
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
      expectUsageError(await runMain(["run", ...args]), pattern);
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
      const res = await runMain(["run", file]);
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
    const ok = JSON.parse((await runMain(["run", file, "--lr", "0.625", "--json"])).stdout);
    expect(ok.config.lr).toBe(0.625);
    const bad = await runMain(["run", file, "--lr", "-3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("dlnlab: error: --lr: must be > 0 (got -3)");
  });
});

describe("interrupt and resume", () => {
  it("Ctrl-C writes what was computed and exits 130; --resume alone finishes to the same result as an uninterrupted run", async () => {
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

    // As documented: `--resume --out DIR` alone, the settings come from DIR/config.json.
    const resumed = await runMain(["run", "--resume", "--out", dir, "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const whole = await runMain([...args, "--json"]);
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
    const again = await runMain([...args, "--out", dir, "--resume"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already complete/);
  });
});

describe("resume after a kill -9 (rows past the checkpoint, the default geometric record plan)", () => {
  it("drops the rows written after the checkpoint and finishes to the uninterrupted run's bits", async () => {
    // The auto plan records every step for 600 steps, then every 3rd, 9th, …: resume used to check the
    // rows against a fixed stride and refused any run cut past step 600 ("step 603 where 601 was due").
    const args = ["run", "--dynamics", "reduced", "--width", "2", "--lr", "0.4", "--steps", "3000", "--loss-tol", "1e-300", "--no-figures"];
    const dir = tmp();
    const whole = await runMain([...args, "--out", dir, "--json"]);
    expect(whole.code, whole.stderr).toBe(0);
    const csvWhole = readFileSync(join(dir, "trajectory.csv"), "utf8");
    const npzWhole = readFileSync(join(dir, "final.npz"));
    // What a kill -9 at step ~2000 leaves: a checkpoint from step 1500 (not complete), rows to the end.
    const path = join(dir, "checkpoint.json");
    const cp = JSON.parse(readFileSync(path, "utf8"));
    const sim = new Simulation(JSON.parse(whole.stdout).config as SimulationSpec);
    sim.advance(1500);
    cp.snapshot = JSON.parse(JSON.stringify(sim.snapshot()));
    cp.complete = false;
    cp.checksum = createHash("sha256").update(JSON.stringify(cp.snapshot)).digest("hex");
    writeFileSync(path, JSON.stringify(cp));
    rmSync(join(dir, "result.json"));
    const resumed = await runMain(["run", "--resume", "--out", dir, "--json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).final).toEqual(JSON.parse(whole.stdout).final);
    expect(readFileSync(join(dir, "trajectory.csv"), "utf8")).toBe(csvWhole);
    expect(readFileSync(join(dir, "final.npz")).equals(npzWhole)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("runs in a worker thread (--worker)", () => {
  it("SIGTERM inside one long piece of work (a width-350 run's first sharpness measurement, minutes long) ends the run within seconds, exit 130, resumable", async () => {
    const dir = tmp();
    const bin = fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url));
    // --worker auto picks the worker for this run (minutes per measurement); the step-0 record's Lanczos
    // solve on 10⁶ parameters is one call no signal handler can interrupt. (Width 350, not larger: the
    // start checkpoint of 10⁶ doubles takes 1.5 s to write on one core, width 600's 4 s.)
    const child = spawn(process.execPath, [bin, "run", "--width", "350", "--steps", "50", "--no-figures", "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    // The start checkpoint is written once the worker has built the network, before the first step.
    for (let i = 0; i < 1200 && !existsSync(join(dir, "checkpoint.json")); i++) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(join(dir, "checkpoint.json")), stderr).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    child.kill("SIGTERM");
    const code = await closed;
    const seconds = (performance.now() - t0) / 1000;
    expect(code, stderr).toBe(130);
    // The grace is 0.8 s; the bound leaves room for a loaded machine, and is far below one measurement.
    expect(seconds).toBeLessThan(10);
    expect(stderr).toMatch(/dlnlab: interrupted before the first record; resume with --resume --out /);
    expect(stderr).not.toMatch(/\n\s+at /);
    const cp = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { complete: boolean; snapshot: { step: number } };
    expect(cp.complete).toBe(false);
    expect(cp.snapshot.step).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("an interrupt after some records says which step --resume continues from (the checkpoint's, when the worker was stopped mid-measurement)", async () => {
    const dir = tmp();
    const bin = fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url));
    // Width 200: ~0.05 s per step, and the interruption's own sharpness measurement outlasts the 0.8 s
    // grace, so the worker is usually terminated and the last checkpoint is behind the last record.
    const child = spawn(process.execPath, [bin, "run", "--width", "200", "--steps", "2000", "--sharpness-every", "0", "--no-figures", "--worker", "on", "--out", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    const csv = join(dir, "trajectory.csv");
    for (let i = 0; i < 1200 && !(existsSync(csv) && readFileSync(csv, "utf8").trim().split("\n").length >= 6); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    expect(await closed, stderr).toBe(130);
    const m = /dlnlab: interrupted at step (\d+); resume with --resume --out \S+( \(it continues from the checkpoint at step (\d+)\))?\n/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const cp = JSON.parse(readFileSync(join(dir, "checkpoint.json"), "utf8")) as { snapshot: { step: number } };
    // Whichever way the stop went, the message names the step the checkpoint holds.
    if (cp.snapshot.step === Number(m![1])) expect(m![2]).toBeUndefined();
    else expect(Number(m![3])).toBe(cp.snapshot.step);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the worker and this thread give the same bits: result, trajectory.csv and final.npz", async () => {
    const args = ["run", "--width", "3", "--steps", "300", "--lr", "0.4", "--sharpness-every", "50", "--no-figures", "--json"];
    const dirs = [tmp(), tmp()];
    const [on, off] = [await runMain([...args, "--worker", "on", "--out", dirs[0]!]), await runMain([...args, "--worker", "off", "--out", dirs[1]!])];
    expect(on.code, on.stderr).toBe(0);
    expect(off.code, off.stderr).toBe(0);
    const [a, b] = [JSON.parse(on.stdout), JSON.parse(off.stdout)];
    expect(a.final).toEqual(b.final);
    expect(a.status).toBe(b.status);
    for (const f of ["trajectory.csv", "final.npz", "initial.npz"]) expect(readFileSync(join(dirs[0]!, f)).equals(readFileSync(join(dirs[1]!, f))), f).toBe(true);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("a bad resume is still one line from the worker", async () => {
    const dir = tmp();
    expect((await runMain(["run", "--width", "2", "--steps", "20", "--no-figures", "--out", dir, "--worker", "on"])).code).toBe(0);
    // A state of the wrong length with a matching checksum (recomputed here): only the worker's shape check can refuse it.
    const path = join(dir, "checkpoint.json");
    const cp = JSON.parse(readFileSync(path, "utf8"));
    cp.complete = false;
    cp.snapshot.state = cp.snapshot.state.slice(1);
    cp.checksum = createHash("sha256").update(JSON.stringify(cp.snapshot)).digest("hex");
    writeFileSync(path, JSON.stringify(cp));
    expectUsageError(await runMain(["run", "--resume", "--out", dir, "--worker", "on"]), /--resume: the checkpoint does not fit this run \(snapshot has \d+ state entries/, "resume in a worker");
    rmSync(dir, { recursive: true, force: true });
  });
});

/**
 * An independent reader of the .npz files dlnlab writes (stored zip entries, .npy v1 `<f8` C order):
 * the zip central directory and the .npy header parsed here from the format specifications, not
 * with the code under test (src/data/npz.ts uses fflate for the container).
 */
function readNpzIndependently(path: string): Map<string, { shape: number[]; data: number[] }> {
  const buf = readFileSync(path);
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error(`${path}: no end of central directory`);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, { shape: number[]; data: number[] }>();
  for (let e = 0; e < entries; e++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("latin1", at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    expect(method, `${name}: stored entries`).toBe(0);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const npy = buf.subarray(start, start + size);
    expect(npy.toString("latin1", 0, 6)).toBe("\x93NUMPY");
    const headerLen = npy.readUInt16LE(8);
    const header = npy.toString("latin1", 10, 10 + headerLen);
    expect(header).toMatch(/'descr': '<f8'/);
    expect(header).toMatch(/'fortran_order': False/);
    // The data start is 64-byte aligned, as NumPy's format requires.
    expect((10 + headerLen) % 64).toBe(0);
    const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(",").filter((s) => s.trim() !== "").map(Number);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, (_, i) => npy.readDoubleLE(10 + headerLen + 8 * i));
    out.set(name.replace(/\.npy$/, ""), { shape, data });
  }
  return out;
}

/** Row-major n×n product. */
function matmul(a: number[], b: number[], n: number): number[] {
  const c = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * n + k]! * b[k * n + j]!;
  return c;
}

const hasNumpy = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" }).status === 0;

describe("exact states: initial.npz and final.npz", () => {
  it("hold the SVS init in closed form, the target's SVD, and the loss of trajectory.csv (independent reader)", async () => {
    const dir = tmp();
    const res = await runMain(["run", "--width", "3", "--depths", "2,3", "--sigma", "1,0.6,0.2", "--basis", "general", "--init-scales", "0.04,0.027", "--lr", "0.1", "--steps", "30", "--seed", "5", "--no-figures", "--out", dir]);
    expect(res.code, res.stderr).toBe(0);
    const init = readNpzIndependently(join(dir, "initial.npz"));
    expect([...init.keys()].sort()).toEqual(["S", "U", "V", "W1_1", "W1_2", "W2_1", "W2_2", "W2_3", "Y"]);
    const d = 3;
    const U = init.get("U")!.data;
    const V = init.get("V")!.data;
    const S = init.get("S")!.data;
    expect(S).toEqual([1, 0.6, 0.2]);
    const T = (m: number[]) => m.map((_, j) => m[(j % d) * d + Math.floor(j / d)]!);
    // Y = U diag(S) Vᵀ and UᵀU = I: float64 products of O(1) numbers, 1e-14 is a few ulps of the sums.
    expectAllClose(init.get("Y")!.data, matmul(matmul(U, S.flatMap((s, i) => [0, 1, 2].map((j) => (i === j ? s : 0))), d), T(V), d), { atol: 1e-14 }, "Y = U S Vᵀ");
    expectAllClose(matmul(T(U), U, d), [1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 1e-14 }, "UᵀU");
    // docs/theory.md §2: W_{k,1} = α_k^{1/L_k} U Vᵀ, W_{k,l} = α_k^{1/L_k} I for l ≥ 2 (layer 1 applied first).
    const uvT = matmul(U, T(V), d);
    for (const [k, L, alpha] of [[1, 2, 0.04], [2, 3, 0.027]] as const) {
      const c = alpha ** (1 / L);
      expect(init.get(`W${k}_1`)!.shape).toEqual([3, 3]);
      expectAllClose(init.get(`W${k}_1`)!.data, uvT.map((x) => c * x), { atol: 1e-15 }, `W${k}_1`);
      for (let l = 2; l <= L; l++) expectAllClose(init.get(`W${k}_${l}`)!.data, [c, 0, 0, 0, c, 0, 0, 0, c], { atol: 1e-16 }, `W${k}_${l}`);
    }
    // The loss ½‖Σ_k W_{k,L}⋯W_{k,1} − Y‖² of final.npz, computed here, is the final loss of result.json.
    const fin = readNpzIndependently(join(dir, "final.npz"));
    const F = new Array<number>(d * d).fill(0);
    for (const [k, L] of [[1, 2], [2, 3]] as const) {
      let P = fin.get(`W${k}_1`)!.data;
      for (let l = 2; l <= L; l++) P = matmul(fin.get(`W${k}_${l}`)!.data, P, d);
      P.forEach((x, j) => (F[j]! += x));
    }
    const loss = 0.5 * F.reduce((acc, x, j) => acc + (x - fin.get("Y")!.data[j]!) ** 2, 0);
    const result = JSON.parse(readFileSync(join(dir, "result.json"), "utf8"));
    expect(result.files.states).toEqual({ initial: "initial.npz", final: "final.npz" });
    // Same formula, another summation order: agreement to ~1e-15 relative of a loss of O(1).
    expectAllClose(loss, result.final.loss, { rtol: 1e-12 }, "final loss from final.npz");
  });

  it("an MLP run writes weights, biases (out×in, layer 1 first) and its input X", async () => {
    const dir = tmp();
    const res = await runMain(["run", "--model", "mlp", "--hidden", "5", "--bias", "on", "--width", "2", "--depths", "3", "--sigma", "1,0.5", "--lr", "0.05", "--steps", "20", "--no-figures", "--out", dir]);
    expect(res.code, res.stderr).toBe(0);
    const s = readNpzIndependently(join(dir, "final.npz"));
    expect(s.get("W1_1")!.shape).toEqual([5, 2]);
    expect(s.get("W1_2")!.shape).toEqual([5, 5]);
    expect(s.get("W1_3")!.shape).toEqual([2, 5]);
    expect(s.get("b1_1")!.shape).toEqual([5]);
    expect(s.get("b1_3")!.shape).toEqual([2]);
    expect(s.get("X")!.data).toEqual([1, 0, 0, 1]);
    // Biases start at 0 and have moved after 20 GD steps.
    expect(readNpzIndependently(join(dir, "initial.npz")).get("b1_1")!.data).toEqual([0, 0, 0, 0, 0]);
    expect(s.get("b1_3")!.data.some((x) => x !== 0)).toBe(true);
  });

  const continuation: [string, string[]][] = [
    ["full-matrix DLN, Gaussian init, general basis", ["--width", "3", "--depths", "3,4", "--sigma", "1,0.5", "--basis", "general", "--lr", "0.1", "--seed", "2"]],
    ["tanh MLP with biases", ["--model", "mlp", "--hidden", "6", "--bias", "on", "--width", "3", "--depths", "3,2", "--sigma", "1,0.4", "--lr", "0.2", "--seed", "4"]],
  ];
  for (const [what, args] of continuation) {
    it(`2n steps = n steps, then --init-from its final.npz for n more (${what})`, async () => {
      const dir = tmp();
      const common = [...args, "--sharpness-every", "0", "--no-figures", "--json"];
      const initStd = ["--init-std", "0.3"];
      const whole = await runMain(["run", ...common, ...initStd, "--steps", "400", "--out", join(dir, "whole")]);
      const first = await runMain(["run", ...common, ...initStd, "--steps", "200", "--out", join(dir, "first")]);
      const second = await runMain(["run", ...common, "--steps", "200", "--init-from", join(dir, "first", "final.npz"), "--out", join(dir, "second")]);
      for (const r of [whole, first, second]) expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(second.stdout).config.init).toEqual({ type: "file", path: join(dir, "first", "final.npz") });
      const a = readNpzIndependently(join(dir, "whole", "final.npz"));
      const b = readNpzIndependently(join(dir, "second", "final.npz"));
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      // The continuation takes the same float64 operations in the same order from a bit-exact copy of the
      // state (a .npz round trip is exact), so "to rounding" is in practice bit for bit; 1e-13 allows a few ulps.
      for (const [name, x] of a) expectAllClose(b.get(name)!.data, x.data, { atol: 1e-13 }, name);
      expectAllClose(JSON.parse(second.stdout).final.loss, JSON.parse(whole.stdout).final.loss, { rtol: 1e-12 }, "final loss");
    });
  }

  it.skipIf(!hasNumpy)("NumPy reads final.npz, and a NumPy-written (compressed, Fortran-order) file starts a run", async () => {
    const dir = tmp();
    const res = await runMain(["run", "--width", "2", "--depths", "2,2", "--sigma", "1,0.5", "--basis", "symmetric", "--lr", "0.1", "--steps", "50", "--no-figures", "--json", "--out", join(dir, "a")]);
    expect(res.code, res.stderr).toBe(0);
    const py = `
import numpy as np, json, sys
z = np.load(sys.argv[1])
F = sum(z[f"W{k}_2"] @ z[f"W{k}_1"] for k in (1, 2))
print(json.dumps({"loss": 0.5 * float(((F - z["Y"]) ** 2).sum()), "dtype": str(z["W1_1"].dtype)}))
rng = np.random.default_rng(7)
W = {f"W{k}_{l}": np.asfortranarray(rng.normal(0, 0.3, (2, 2))) for k in (1, 2) for l in (1, 2)}
np.savez_compressed(sys.argv[2], **W)
F0 = sum(W[f"W{k}_2"] @ W[f"W{k}_1"] for k in (1, 2))
print(json.dumps({"loss0": 0.5 * float(((F0 - z["Y"]) ** 2).sum())}))
`;
    const out = spawnSync("python3", ["-c", py, join(dir, "a", "final.npz"), join(dir, "np.npz")], { encoding: "utf8" });
    expect(out.status, out.stderr).toBe(0);
    const [first, second] = out.stdout.trim().split("\n").map((l) => JSON.parse(l));
    expect(first.dtype).toBe("float64");
    // NumPy's matmul and sum against dlnlab's kernels: agreement to ~1e-15 relative on an O(1) loss.
    expectAllClose(first.loss, JSON.parse(res.stdout).final.loss, { rtol: 1e-12 }, "NumPy loss of final.npz");
    const run = await runMain(["run", "--width", "2", "--depths", "2,2", "--sigma", "1,0.5", "--basis", "symmetric", "--lr", "0.1", "--steps", "1", "--no-figures", "--out", join(dir, "b"), "--init-from", join(dir, "np.npz")]);
    expect(run.code, run.stderr).toBe(0);
    const csv = readFileSync(join(dir, "b", "trajectory.csv"), "utf8").trim().split("\n");
    const header = csv[0]!.split(",");
    expectAllClose(Number(csv[1]!.split(",")[header.indexOf("loss")]), second.loss0, { rtol: 1e-12 }, "initial loss from the NumPy state");
  });

  it("--init-from refuses a bad state in one line naming the array", async () => {
    const dir = tmp();
    const base = ["run", "--width", "2", "--depths", "2,2", "--steps", "5", "--no-figures"];
    // The CLI's own config and state loaders, called directly (a whole `main` per case would also build
    // the program); two cases below go through `main` for the exit code and the one-line contract.
    const { loadRunConfig, loadInitialState } = await import("../../dist/cli/config-input.js");
    const refusal = (args: string[]): string => {
      const flags = new Map<string, string>();
      let initFrom: string | undefined;
      for (let i = 0; i < args.length; i += 2) {
        if (args[i] === "--init-from") initFrom = args[i + 1]!;
        else flags.set(args[i]!, args[i + 1]!);
      }
      for (const [f, v] of [["--width", "2"], ["--depths", "2,2"]]) if (!flags.has(f!)) flags.set(f!, v!);
      try {
        const { spec } = loadRunConfig(undefined, undefined, flags, initFrom === undefined ? {} : { initFrom });
        loadInitialState(spec, "--init-from");
      } catch (err) {
        expect((err as Error).name).toBe("UsageError");
        return (err as Error).message;
      }
      return "accepted";
    };
    expect((await runMain([...base, "--out", join(dir, "a")])).code).toBe(0);
    const good = join(dir, "a", "final.npz");
    const { encodeNpz } = await import("../../dist/data/npz.js");
    const arrays = readNpzIndependently(good);
    const write = (name: string, edit: (m: Map<string, { shape: number[]; data: Float64Array }>) => void) => {
      const m = new Map([...arrays].map(([k, v]) => [k, { shape: v.shape, data: Float64Array.from(v.data) }]));
      edit(m);
      const p = join(dir, name);
      writeFileSync(p, encodeNpz(m));
      return p;
    };
    const cases: [string, string[], RegExp][] = [
      ["another depth", ["--init-from", good, "--depths", "2,3"], /--init-from .*: W2_3 is missing: the run needs layer 3 of pathway 2 \(out×in\), shape 2×2/],
      ["another width", ["--init-from", good, "--width", "3"], /W1_1 has shape 2×2; the run needs 3×3/],
      ["fewer pathways", ["--init-from", good, "--depths", "2"], /W2_1: the run has 1 pathways/],
      ["a transposed MLP layer", ["--init-from", good, "--model", "mlp", "--hidden", "3"], /W1_1 has shape 2×2; the run needs 3×2/],
      ["a NaN entry", ["--init-from", write("nan.npz", (m) => (m.get("W1_2")!.data[1] = Number.NaN))], /W1_2 has a non-finite entry \(NaN\)/],
      ["a vector for a matrix", ["--init-from", write("vec.npz", (m) => m.set("W2_1", { shape: [4], data: new Float64Array(4) }))], /W2_1 has shape 4; the run needs 2×2/],
      ["an unknown array", ["--init-from", write("extra.npz", (m) => m.set("bias", { shape: [2], data: new Float64Array(2) }))], /bias: unexpected array/],
      ["not a zip", ["--init-from", join(dir, "a", "config.json")], /config\.json: not a \.npz \(zip\) archive/],
      ["missing file", ["--init-from", join(dir, "none.npz")], /--init-from: .*none\.npz does not exist/],
      ["a directory", ["--init-from", dir], /--init-from: .* is a directory/],
      ["with another init flag", ["--init-from", good, "--init-std", "0.1"], /--init-from: cannot be combined with --init-std/],
      ["reduced dynamics", ["--init-from", good, "--dynamics", "reduced"], /--init-from: reduced dynamics need an SVS initialisation/],
    ];
    for (const [what, args, pattern] of cases) expect(refusal(args), what).toMatch(pattern);
    expect(refusal(["--init-from", good])).toBe("accepted");
    for (const [, args, pattern] of [cases[0]!, cases[7]!]) expectUsageError(await runMain([...base, ...args]), pattern);
  });

  it("a config's init: { type: file, path } is found beside the config file", async () => {
    const dir = tmp();
    expect((await runMain(["run", "--width", "2", "--steps", "5", "--no-figures", "--out", join(dir, "a")])).code).toBe(0);
    writeFileSync(join(dir, "a", "next.yaml"), "width: 2\nsteps: 5\ninit: { type: file, path: final.npz }\n");
    const res = await runMain(["run", join(dir, "a", "next.yaml"), "--json", "--no-figures"]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).config.init.path).toBe(join(dir, "a", "final.npz"));
  });
});

describe("the normalised step h", () => {
  it("--h sets lr = h/λ_single with λ_single = max_k L_k σ_1^(2−2/L_k); result.json gives lr and h", async () => {
    const out = JSON.parse((await runMain(["run", "--depths", "3,5", "--sigma", "0.8,0.3", "--h", "2.5", "--steps", "10", "--json", "--no-figures"])).stdout);
    const lambda = Math.max(3 * 0.8 ** (2 - 2 / 3), 5 * 0.8 ** (2 - 2 / 5));
    // One division and two powers: a few ulps.
    expectAllClose(out.lr, 2.5 / lambda, { rtol: 1e-15 }, "lr from h");
    expectAllClose(out.lambdaSingle, lambda, { rtol: 1e-15 }, "λ_single");
    expectAllClose(out.h, 2.5, { rtol: 1e-15 }, "h");
    expect(out.config.lr).toBe(out.lr);
    // Given lr, h = lr·λ_single is reported too (the default preset: λ_single = 4 at σ_1 = 1, L = 4).
    const plain = JSON.parse((await runMain(["run", "--preset", "small-step", "--steps", "10", "--json", "--no-figures"])).stdout);
    expect(plain.lr).toBe(0.125);
    expectAllClose(plain.h, 0.5, { rtol: 1e-15 }, "h of lr 0.125");
  });

  it("h in a config with an explicit target matrix uses its top singular value", async () => {
    const dir = tmp();
    const file = join(dir, "h.yaml");
    // [[0, 2], [1, 0]] has singular values 2 and 1: λ_single = 4·2^(3/2) for depth 4.
    writeFileSync(file, "width: 2\ndepths: [4, 4]\ntarget: { matrix: [[0, 2], [1, 0]] }\nh: 0.5\nsteps: 10\n");
    const out = JSON.parse((await runMain(["run", file, "--json", "--no-figures"])).stdout);
    expectAllClose(out.lr, 0.5 / (4 * 2 ** 1.5), { rtol: 1e-12 }, "lr from h (SVD of the matrix: 1e-12 covers its rounding)");
    // A flag for the step replaces the config's other one.
    const flagged = JSON.parse((await runMain(["run", file, "--lr", "0.01", "--json", "--no-figures"])).stdout);
    expect(flagged.lr).toBe(0.01);
    writeFileSync(file, "lr: 0.1\nh: 0.5\n");
    const both = await runMain(["run", file]);
    expectUsageError({ ...both, stderr: both.stderr.replace(dir + "/", "") }, /h\.yaml:2:4: h: give either lr or h \(lr = h\/λ_single\), not both/);
  });

  it("the Figure 1 presets run K = 2 pathways of depth 20 at h = 0.5 and 3.2 (η = h/20)", async () => {
    for (const [name, h] of [["fig1-small-step", 0.5], ["fig1-large-step", 3.2]] as const) {
      const out = JSON.parse((await runMain(["run", "--preset", name, "--steps", "5", "--json", "--no-figures"])).stdout);
      expect(out.config.depths).toEqual([20, 20]);
      expectAllClose(out.lr, h / 20, { rtol: 1e-15 }, `${name} lr`);
    }
  });

  const bad: [string, string[], RegExp][] = [
    ["--h with --lr", ["--h", "1", "--lr", "0.1"], /--h: give either --h or --lr/],
    ["--h for the classifier", ["--model", "classifier", "--depths", "3", "--h", "1"], /--h: the normalised step needs a target/],
    ["--h with a zero target", ["--sigma", "0,0", "--h", "1"], /--h: the target is zero/],
    ["--h <= 0", ["--h", "0"], /--h: must be > 0/],
  ];
  for (const [what, args, pattern] of bad) it(what, async () => expectUsageError(await runMain(["run", ...args]), pattern));

  it("theory window prints every bound as η and as h = η·λ_single", async () => {
    const res = await runMain(["theory", "window", "--depths", "20,20", "--json"]);
    const w = JSON.parse(res.stdout);
    // K = 2, L = 20, σ = 1: λ_single = 20, λ_bal = L K^(2/L−1), so h_bal = 2λ_single/λ_bal = 2·2^(0.9).
    expectAllClose([w.h.single, w.h.balanced, w.h.wcr], [2, 2 * 2 ** 0.9, w.etaWcr * 20], { rtol: 1e-12 }, "h bounds");
    const text = (await runMain(["theory", "window", "--depths", "20,20"])).stdout;
    expect(text).toMatch(/2\/λ_single\s+0\.1\s+2\s/);
    expect(text).toMatch(/2 < h < 3\.73213/);
  });
});

describe("output directories: resume, overwrite, lock", () => {
  const quick = ["run", "--width", "1", "--sigma", "1", "--dynamics", "reduced", "--steps", "50", "--no-figures"];

  it("a non-empty --out is refused unless --resume or --force; --force replaces the earlier run", async () => {
    const dir = tmp();
    expect((await runMain([...quick, "--out", dir])).code).toBe(0);
    expectUsageError(await runMain([...quick, "--lr", "0.1", "--out", dir]), /--out: .* is not empty \(an earlier run: continue it with --resume\); use --force/);
    writeFileSync(join(dir, "notes.txt"), "mine");
    const forced = await runMain([...quick, "--lr", "0.1", "--out", dir, "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).simulation.lr).toBe(0.1);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine"); // not a run file: left alone
    expect(existsSync(join(dir, ".dlnlab.lock"))).toBe(false); // released at exit
    const other = tmp();
    writeFileSync(join(other, "data.csv"), "x\n");
    expectUsageError(await runMain([...quick, "--out", other]), /is not empty \(1 entry\)/);
    expectUsageError(await runMain([...quick, "--out", dir, "--resume", "--force"]), /--force: not with --resume/);
  });

  it("--resume refuses flags that differ, naming each field with both values", async () => {
    const dir = tmp();
    expect((await runMain([...quick, "--h", "2.5", "--out", dir])).code).toBe(0);
    // Mark the finished run as interrupted (what Ctrl-C leaves) so that --resume accepts it without a race.
    const cpPath = join(dir, "checkpoint.json");
    writeFileSync(cpPath, JSON.stringify({ ...JSON.parse(readFileSync(cpPath, "utf8")), complete: false }));
    const res = await runMain(["run", "--resume", "--out", dir, "--lr", "0.5", "--steps", "60", "--seed", "1"]);
    expectUsageError(res, /--resume: the run in .* has other settings: lr: 0\.625 \(saved\) vs 0\.5 \(given\); steps: 50 \(saved\) vs 60 \(given\); seed: 0 \(saved\) vs 1 \(given\); drop those flags/);
    // Values equal to the saved ones are accepted (h = 2.5 is lr = 0.625 at λ_single = 4), and the run completes.
    const ok = await runMain(["run", "--resume", "--out", dir, "--h", "2.5", "--steps", "50", "--json"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).final.step).toBe(50);
    expect(JSON.parse(readFileSync(cpPath, "utf8")).complete).toBe(true);
  });

  it("--resume refuses a damaged checkpoint or trajectory in one line", async () => {
    const dir = tmp();
    const other = tmp();
    expect((await runMain([...quick, "--out", dir])).code).toBe(0);
    expect((await runMain([...quick, "--lr", "0.5", "--out", other])).code).toBe(0);
    const cpPath = join(dir, "checkpoint.json");
    const cp = { ...JSON.parse(readFileSync(cpPath, "utf8")), complete: false };
    const csvPath = join(dir, "trajectory.csv");
    const csv = readFileSync(csvPath, "utf8");
    const cases: [string, () => void, RegExp][] = [
      ["a state of the wrong length", () => writeFileSync(cpPath, JSON.stringify({ ...cp, snapshot: { ...cp.snapshot, state: [1, 2, 3] } })), /checkpoint\.json is damaged \(its checksum does not match/],
      ["one digit changed", () => writeFileSync(cpPath, JSON.stringify(cp).replace(/("state":\[\d\.\d)(\d)/, (_m, a: string, b: string) => a + ((Number(b) + 1) % 10))), /damaged \(its checksum does not match its contents\)/],
      ["copied from another run", () => writeFileSync(cpPath, readFileSync(join(other, "checkpoint.json"), "utf8").replace('"complete": true', '"complete": false')), /damaged \(it belongs to a run with other settings\)/],
      ["a string in the state", () => writeFileSync(cpPath, JSON.stringify({ ...cp, snapshot: { ...cp.snapshot, state: ["0.5", 0.5] } })), /checkpoint\.json is damaged \(state is not a list of finite numbers\)/],
      ["negative step", () => writeFileSync(cpPath, JSON.stringify({ ...cp, snapshot: { ...cp.snapshot, step: -3 } })), /damaged \(step -3 is not an integer in \[0, 50\]\)/],
      ["step past --steps", () => writeFileSync(cpPath, JSON.stringify({ ...cp, snapshot: { ...cp.snapshot, step: 70 } })), /damaged \(step 70 is not an integer/],
      ["not a checkpoint", () => writeFileSync(cpPath, "[1, 2]"), /damaged \(not a dlnlab checkpoint\)/],
      ["rows missing from trajectory.csv", () => {
        writeFileSync(cpPath, JSON.stringify(cp));
        writeFileSync(csvPath, csv.split("\n").filter((_, i) => i !== 12).join("\n"));
      }, /trajectory\.csv has a row for step 12 where step 11 was due/],
      ["trajectory.csv deleted", () => rmSync(csvPath), /trajectory\.csv is missing/],
    ];
    for (const [what, damage, pattern] of cases) {
      damage();
      expectUsageError(await runMain(["run", "--resume", "--out", dir]), pattern, what);
    }
  });

  it("two processes on one --out: the second is refused in one line naming the first's pid", async () => {
    const dir = tmp();
    // Far more steps than any machine does before the SIGINT below: the first run is still writing.
    const args = ["run", "--width", "1", "--sigma", "1", "--dynamics", "reduced", "--steps", "100000000000", "--loss-tol", "1e-300", "--record-every", "1000001", "--sharpness-every", "0", "--no-figures", "--out", dir];
    const child = spawn(process.execPath, [fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url)), ...args], { stdio: "ignore" });
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    for (let i = 0; i < 400 && !existsSync(join(dir, "config.json")); i++) await new Promise((r) => setTimeout(r, 25));
    expectUsageError(await runMain(args), new RegExp(`--out: .* is in use by process ${child.pid} \\(lock file`));
    child.kill("SIGINT");
    expect(await closed).toBe(130);
    expect(existsSync(join(dir, ".dlnlab.lock"))).toBe(false);
  });

  it("a lock held by a live process refuses a second writer; a stale lock is taken over", async () => {
    const dir = tmp();
    writeFileSync(join(dir, ".dlnlab.lock"), JSON.stringify({ pid: process.pid }));
    expectUsageError(await runMain([...quick, "--out", dir]), new RegExp(`--out: .* is in use by process ${process.pid}`));
    // A pid that has exited: the lock is stale.
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    writeFileSync(join(dir, ".dlnlab.lock"), JSON.stringify({ pid: Number(gone.stdout) }));
    const res = await runMain([...quick, "--out", dir]);
    expect(res.code, res.stderr).toBe(0);
    expect(existsSync(join(dir, ".dlnlab.lock"))).toBe(false);
  });

  it("--out that cannot be a directory, and a directory as CONFIG, are one-line errors", async () => {
    const dir = tmp();
    const file = join(dir, "f.txt");
    writeFileSync(file, "x");
    expectUsageError(await runMain([...quick, "--out", file]), /--out: .*f\.txt is a file, not a directory/);
    expectUsageError(await runMain([...quick, "--out", join(file, "sub")]), /--out: cannot create .*f\.txt\/sub: a part of the path is a file/);
    expectUsageError(await runMain([...quick, "--out", ""]), /--out: expected a directory, got an empty path/);
    expectUsageError(await runMain(["run", dir]), /CONFIG: .* is a directory, not a YAML or JSON file/);
    expectUsageError(await runMain(["demo", "--out", file]), /--out: .*f\.txt is a file, not a directory/);
  });

  it.skipIf(process.getuid?.() === 0)("a read-only --out is a one-line error", async () => {
    const dir = tmp();
    chmodSync(dir, 0o555);
    expectUsageError(await runMain([...quick, "--out", join(dir, "run")]), /--out: cannot create .*: permission denied/);
  });
});

describe("dlnlab demo", () => {
  it("writes its own default directory, never npm start's results/, and refuses a foreign --out", async () => {
    const cwd = tmp();
    mkdirSync(join(cwd, "results"));
    writeFileSync(join(cwd, "results", "summary.json"), JSON.stringify({ dlnlab: { kind: "reproduce" } }));
    const res = await runMain(["demo", "--json"], { cwd });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, "results-demo", "summary.json"), "utf8")).dlnlab.kind).toBe("demo");
    expect(readdirSync(join(cwd, "results"))).toEqual(["summary.json"]);
    // A second demo replaces the first; npm start's directory is refused.
    expect((await runMain(["demo", "--json"], { cwd })).code).toBe(0);
    expectUsageError(await runMain(["demo", "--out", "results"], { cwd }), /--out: results is not empty and holds no earlier demo; use --force/);
  });
});

describe("dlnlab run --help", () => {
  it("groups the flags by model and lists the choices of every enumerated flag", async () => {
    const { FIELD_FLAGS } = await import("../../dist/config/flags.js");
    const help = (await runMain(["run", "--help"])).stdout;
    const headings = ["Linear network", "MLP (--model mlp)", "Classifier (--model classifier)", "Saddle escape"];
    for (const h of headings) expect(help).toContain(h);
    // Each flag's help, with its wrapped continuation lines, up to the next option line or heading.
    const lines = help.split("\n");
    const helpOf = (flag: string) => {
      const i = lines.findIndex((l) => l.trimStart().startsWith(flag + " "));
      expect(i, flag).toBeGreaterThanOrEqual(0);
      let text = lines[i]!;
      for (let j = i + 1; j < lines.length && /^\s{20,}\S/.test(lines[j]!); j++) text += " " + lines[j]!.trim();
      return text.replace(/\s+/g, " ");
    };
    for (const f of FIELD_FLAGS) {
      if (f.choices) expect(helpOf(f.flag), f.flag).toContain(`(choices: ${f.choices.join(", ")})`);
      if (f.kind === "boolean") expect(helpOf(f.flag), f.flag).toContain("(choices: on, off)");
    }
    // Flags sit under their model's heading: the last heading above a flag's own line.
    const headingOf = (flag: string) => {
      const i = lines.findIndex((l) => l.trimStart().startsWith(flag + " "));
      return lines.slice(0, i).reverse().find((l) => /^\S.*:$/.test(l));
    };
    expect(headingOf("--init-scales")).toMatch(/^Linear network/);
    expect(headingOf("--activation")).toMatch(/^MLP/);
    expect(headingOf("--points")).toMatch(/^Classifier/);
    expect(headingOf("--epsilon")).toMatch(/^Saddle escape/);
  });
});

describe("dlnlab run --dynamics central and --predict central", () => {
  it("writes the central flow's columns and ends on the exact K = 2 boundary; --predict overlays it on GD's figure", async () => {
    const out = tmp();
    const flags = ["--width", "1", "--sigma", "1", "--lr", "0.625", "--steps", "600", "--record-every", "50"];
    const res = await runMain(["run", "--json", ...flags, "--dynamics", "central", "--flow-system", "reduced", "--out", join(out, "c"), "--no-figures"]);
    expect(res.code).toBe(0);
    const r = JSON.parse(res.stdout) as Record<string, any>;
    // The exact K = 2 boundary λ(s₁, 1 − s₁) = 3.2 (docs/theory.md §6 example): s₁ = 0.79246; the flow approaches it
    // exponentially (x halves every ~28 steps), 1e-4 after 600 steps.
    expectAllClose(r.final.s[0][0], 0.7924634732, { atol: 1e-4 }, "end split");
    const header = readFileSync(join(out, "c", "trajectory.csv"), "utf8").split("\n")[0]!.split(",");
    expect(header.slice(-3)).toEqual(["edge", "avg_loss", "x_1"]);
    const gd = await runMain(["run", ...flags, "--dynamics", "reduced", "--predict", "central", "--out", join(out, "g")]);
    expect(gd.code).toBe(0);
    expect(readFileSync(join(out, "g", "modes.svg"), "utf8")).toContain("central flow (predicted)");
    expectUsageError(await runMain(["run", ...flags, "--dynamics", "flow", "--predict", "central"]), /^dlnlab: error: --predict central: compares with a GD run/);
  });
});

describe("the in-process runner the CLI tests use", () => {
  it("sees what the binary prints: the same stdout, stderr and exit code, for output, a usage error and help", async () => {
    for (const args of [["theory", "window", "--depths", "4,4", "--sigma", "1"], ["run", "--width", "0"], ["theory", "--help"], ["rn"]]) {
      const spawned = await runCli(args);
      const inProcess = await runMain(args);
      expect({ code: inProcess.code, stdout: inProcess.stdout, stderr: inProcess.stderr }, args.join(" ")).toEqual({ code: spawned.code, stdout: spawned.stdout, stderr: spawned.stderr });
    }
  });

  it("does not take an exit code from, or leave one to, the test process", async () => {
    const before = process.exitCode;
    process.exitCode = 7;
    try {
      expect((await runMain(["theory", "window", "--depths", "4,4", "--sigma", "1"])).code).toBe(0);
      expect((await runMain(["run", "--width", "0"])).code).toBe(2);
      expect(process.exitCode).toBe(7);
    } finally {
      process.exitCode = before;
    }
  });
});
