/**
 * @file The fault corpus of issue 12, as a table: each bad input or fault is one line naming the culprit
 * flag or field, exit code 2, nothing on stdout, no stack trace. Add a row for every new case found.
 * Sizes are judged by the engine's footprint estimate before anything is allocated, so these rows run
 * in milliseconds; the ulimit row checks the WebAssembly-to-JS fallback in a real child process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { expectUsageError, runMain } from "../helpers/cli.js";

const quick = ["--steps", "5", "--json", "--no-figures"];

/** [what, run flags, the one line expected]. */
const CORPUS: [string, string[], RegExp][] = [
  // Flags that choose different variants of one object: both named.
  ["He init and a Gaussian std", ["--model", "mlp", "--he-scale", "1", "--init-std", "0.1"], /--he-scale: cannot be combined with --init-std/],
  ["He init and a bottleneck", ["--model", "mlp", "--he-scale", "1", "--epsilon", "0.1"], /--epsilon: cannot be combined with --he-scale|--he-scale: cannot be combined with --epsilon/],
  ["constant schedule and a warm-up", ["--schedule", "constant", "--warmup-steps", "100"], /--warmup-steps: cannot be combined with --schedule/],
  ["warm-up and piecewise", ["--warmup-steps", "100", "--boundaries", "10", "--factors", "1,2"], /--boundaries: cannot be combined with --warmup-steps/],
  ["SVS init and a Gaussian std", ["--init", "svs", "--init-std", "0.1"], /--init-std: cannot be combined with --init/],
  ["Gaussian std and SVS scales", ["--init-std", "0.1", "--init-scales", "0.1"], /--init-std: cannot be combined with --init-scales/],
  ["He scale on the linear network", ["--he-scale", "1", "--epsilon", "0.1"], /--he-scale: only used with --model mlp/],
  // Values.
  ["increasing σ (as theory rank refuses)", ["--sigma", "0.5,1"], /--sigma \(item 2\): expected non-increasing singular values/],
  ["more eigenvalues than the Hessian has", ["--sharpness-top", "1000"], /--sharpness-top: at most 32 \(the number of parameters/],
  // Sizes that cannot fit: refused before allocating, naming the field that makes them large.
  ["a width of 10⁵", ["--width", "100000"], /--width: this run needs about 5\.4 TB of memory/],
  ["an MLP hidden width of 10⁵", ["--model", "mlp", "--hidden", "100000"], /--hidden: this run needs about .* TB of memory/],
  ["10⁸ classifier points", ["--model", "classifier", "--depths", "3", "--points", "100000000"], /--points: this run needs about .* GB of memory/],
  ["10⁹-layer reduced pathways", ["--dynamics", "reduced", "--depths", "1000000000,1000000000", "--init-scales", "0.5"], /--depths: this run needs about/],
  ["a workspace over 4 GiB", ["--width", "6000"], /--width: .*more than the 4 GiB one array can hold/],
  // Output places (already behaving; kept so they stay so).
  ["an empty --out", ["--out", ""], /--out: expected a directory, got an empty path/],
  ["--out under /proc", ["--out", "/proc/dlnlab-x"], /--out: cannot create \/proc\/dlnlab-x: its parent directory does not accept new directories/],
];

describe("fault corpus: one line naming the culprit, exit code 2, no stack trace", () => {
  for (const [what, flags, pattern] of CORPUS) {
    it(what, async () => expectUsageError(await runMain(["run", ...flags, ...quick]), pattern, what));
  }
});

describe("memory the process may not reserve", () => {
  it.skipIf(process.platform !== "linux")("under ulimit -v 16 GB a run falls back to plain-JS workspaces instead of crashing", () => {
    const bin = fileURLToPath(new URL("../../bin/dlnlab.js", import.meta.url));
    // Each WebAssembly memory reserves ~10 GB of address space; the second one fails under 16 GB.
    const r = spawnSync("bash", ["-c", `ulimit -v 16000000 && exec "${process.execPath}" "${bin}" run --model mlp --steps 20 --json --no-figures`], { encoding: "utf8", timeout: 60_000 });
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { final: { loss: number } };
    expect(Number.isFinite(out.final.loss)).toBe(true);
  });
});

describe("numerical edges: defined values and a status, never NaN without one", () => {
  /** A run into a fresh directory: its JSON result and its trajectory.csv rows as cells. */
  async function edgeRun(flags: string[]) {
    const dir = mkdtempSync(join(tmpdir(), "dlnlab-edge-"));
    try {
      const r = await runMain(["run", ...flags, "--steps", "20", "--json", "--no-figures", "--out", dir]);
      expect(r.code, r.stderr).toBe(0);
      const csv = readFileSync(join(dir, "trajectory.csv"), "utf8").trim().split("\n");
      const header = csv[0]!.split(",");
      const rows = csv.slice(1).map((l) => l.split(","));
      return { result: JSON.parse(r.stdout) as { status: string; final: { loss: number; balanceIndex: (number | null)[] } }, header, rows, text: csv.join("\n") };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const column = (run: { header: string[]; rows: string[][] }, name: string) => run.rows.map((r) => r[run.header.indexOf(name)]!);

  it("an SVS init of 1e-300 (squares underflow) has balance exactly 1 for equal scales, and finite leaves", async () => {
    const run = await edgeRun(["--init-scales", "1e-300"]);
    expect(run.result.status).toBe("max-steps");
    expect(run.text).not.toMatch(/NaN/);
    // Equal scales split every mode equally: the scale-free index is exactly 1 (it was NaN when Σ s² underflowed to 0).
    expect(run.result.final.balanceIndex).toEqual([1, 1]);
    expect(new Set(column(run, "balance_1"))).toEqual(new Set(["1"]));
    // z = a^{2−L}/(L−2) with a = (1e-300)^{1/L}, L = 4 (the default depth): 1e150/2 up to rounding.
    for (const z of column(run, "leaf_1_1")) expect(Number(z) / 5e149).toBeCloseTo(1, 10);
  });

  it("unequal tiny scales give the balance of the same split at ordinary scale", async () => {
    const run = await edgeRun(["--init-scales", "3e-300,1e-300"]);
    // (Σ s)²/(K Σ s²) depends only on the ratios s_k/s_max, which the rescaling keeps: (3 + 1)²/(2·(9 + 1)) = 0.8 for s = (3, 1)·1e-300.
    for (const b of column(run, "balance_1")) expect(Number(b)).toBeCloseTo(0.8, 14);
  });

  it("coefficients that are exactly 0 (a 1e-100 Gaussian init underflows) leave balance and leaves empty, not NaN", async () => {
    const run = await edgeRun(["--init-std", "1e-100"]);
    expect(run.result.status).toBe("max-steps");
    expect(run.text).not.toMatch(/NaN/);
    expect(Number.isFinite(run.result.final.loss)).toBe(true);
    expect(run.result.final.balanceIndex).toEqual([null, null]);
    expect(new Set(column(run, "balance_1"))).toEqual(new Set([""]));
    expect(new Set(column(run, "leaf_1_1"))).toEqual(new Set([""]));
  });

  it("an MLP from a 1e-300 init: no NaN cells (leaves are documented as empty for MLPs)", async () => {
    const run = await edgeRun(["--model", "mlp", "--init-std", "1e-300"]);
    expect(run.text).not.toMatch(/NaN/);
    expect(new Set(column(run, "leaf_1_1"))).toEqual(new Set([""]));
  });
});

describe("config files that are not configs: one line, at once", () => {
  const dir = mkdtempSync(join(tmpdir(), "dlnlab-cfg-"));
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g"].map((k, i) => `${k}: &${k} [${Array(9).fill("*" + "abcdefg"[i]).join(", ")}]`)].join("\n");
  /** [what, file name, contents, the one line expected]. */
  const FILES: [string, string, string, RegExp][] = [
    ["a trailing comma in a .json file", "trailing.json", '{"lr": 0.5, "steps": 10,}', /trailing\.json:1:\d+: not valid JSON .*strict JSON/],
    ["YAML text in a .json file", "yaml.json", "lr: 0.5\nsteps: 10\n", /yaml\.json: not valid JSON/],
    ["a key twice in a .json file (JSON.parse would keep the last)", "dup.json", '{"lr": 0.5, "lr": 0.6}', /dup\.json:1:13: the key "lr" occurs twice/],
    ["a key twice in YAML", "dup.yaml", "lr: 0.5\nsteps: 10\nlr: 0.4\n", /dup\.yaml:3:1: the key "lr" occurs twice/],
    ["an alias-expansion bomb (9⁷ strings)", "bomb.yaml", bomb, /bomb\.yaml: its YAML aliases expand to too much/],
    ["40 000 keys (parsed in 12 s by a quadratic check before)", "keys.yaml", Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join("\n"), /keys\.yaml: \d+ kB is more than a config may hold \(256 kB\)/],
    ["15 000 keys (under the size limit: one line for all unknown fields)", "many.yaml", Array.from({ length: 15_000 }, (_, i) => `k${i}: ${i}`).join("\n"), /many\.yaml:1:1: k0: unknown field \(and 14999 more\)/],
  ];
  for (const [what, name, text, pattern] of FILES) {
    it(what, async () => {
      writeFileSync(join(dir, name), text);
      expectUsageError(await runMain(["run", join(dir, name), ...quick]), pattern, what);
    });
  }
  it("strict JSON is still a config (the same run as its YAML twin)", async () => {
    writeFileSync(join(dir, "ok.json"), JSON.stringify({ lr: 0.5, steps: 5 }));
    writeFileSync(join(dir, "ok.yaml"), "lr: 0.5\nsteps: 5\n");
    const a = await runMain(["run", join(dir, "ok.json"), "--json", "--no-figures"]);
    const b = await runMain(["run", join(dir, "ok.yaml"), "--json", "--no-figures"]);
    expect(a.code, a.stderr).toBe(0);
    expect((JSON.parse(a.stdout) as { final: unknown }).final).toEqual((JSON.parse(b.stdout) as { final: unknown }).final);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
});

/**
 * A full disk, for real: a tmpfs of a few hundred kB (mounting needs root, as on CI; elsewhere the tests
 * skip and say why). Whether the disk fills in the trajectory or in the figures, the run says "disk full"
 * in one line with exit code 2, leaves no temporary file and no checkpoint marked complete, and `--resume`
 * on a disk with room again finishes to the same trajectory as an uninterrupted run.
 */
const FULL = mkdtempSync(join(tmpdir(), "dlnlab-full-"));
const mountTmpfs = (kb: number) => spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kb}k`, "tmpfs", FULL], { encoding: "utf8" });
const probe = process.platform === "linux" ? mountTmpfs(64) : null;
const canMount = probe?.status === 0;
if (canMount) spawnSync("umount", [FULL]);
else console.log(`[disk full] skipping: cannot mount a tmpfs here (${probe?.stderr.trim() || "not Linux"}); CI runs as root and mounts one`);

describe("a full disk", () => {
  afterAll(() => {
    if (canMount) spawnSync("umount", [FULL]);
    rmSync(FULL, { recursive: true, force: true });
  });
  const cases: [string, number, string[]][] = [
    ["in the trajectory (20 000 records of ~70 bytes on 300 kB)", 300, ["--steps", "20000", "--record-every", "1", "--no-figures"]],
    ["in the figures (the 280 kB trajectory fits on 500 kB, its figures do not)", 500, []],
  ];
  it.skipIf(!canMount)("fills in dlnlab reproduce: the suite stops with one line naming the disk, exit 2; the same command with room finishes", async () => {
    expect(mountTmpfs(384).status).toBe(0);
    try {
      const out = join(FULL, "suite");
      const args = ["reproduce", "--smoke", "--only", "fig1-k4", "warmup", "--out", out];
      const res = await runMain(args);
      expect(res.code, res.stderr).toBe(2);
      const last = res.stderr.trim().split("\n").at(-1)!;
      expect(last).toMatch(/^dlnlab: error: cannot write \S+: disk full; \d of 2 experiments are finished .*run the same command again/);
      expect(res.stderr).not.toMatch(/ENOSPC|\n\s+at /);
      expect(spawnSync("mount", ["-o", "remount,size=50m", FULL]).status).toBe(0);
      const again = await runMain(args);
      expect(again.code, again.stderr).toBe(0);
      for (const name of ["fig1-k4", "warmup"]) expect(readdirSync(join(out, name)), name).toContain("result.json");
    } finally {
      spawnSync("umount", [FULL]);
    }
  });
  for (const [what, kb, flags] of cases) {
    it.skipIf(!canMount)(`fills ${what}: one line, exit 2, nothing complete; --resume with room finishes it`, async () => {
      expect(mountTmpfs(kb).status).toBe(0);
      try {
        const out = join(FULL, "run");
        const res = await runMain(["run", ...flags, "--out", out]);
        expectUsageError(res, /^dlnlab: error: cannot write \/\S+: disk full\n?$/);
        expect(readdirSync(out).filter((f) => f.includes(".tmp")), "temporary files").toEqual([]);
        expect(JSON.parse(readFileSync(join(out, "checkpoint.json"), "utf8")).complete).toBe(false);
        expect(spawnSync("mount", ["-o", "remount,size=50m", FULL]).status).toBe(0);
        const resumed = await runMain(["run", "--resume", "--out", out, "--json"]);
        expect(resumed.code, resumed.stderr).toBe(0);
        const whole = await runMain(["run", ...flags, "--json", "--no-figures"]);
        expect(JSON.parse(resumed.stdout).final).toEqual(JSON.parse(whole.stdout).final);
        expect(JSON.parse(readFileSync(join(out, "checkpoint.json"), "utf8")).complete).toBe(true);
        expect(readdirSync(out)).toContain("result.json");
      } finally {
        spawnSync("umount", [FULL]);
      }
    });
  }
});
