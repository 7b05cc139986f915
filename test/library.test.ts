/**
 * @file The library entry (src/index.ts): `run(config)` returns what `dlnlab run --json` prints on the
 * same config (every number equal; the CLI's `main`, built in dist/, runs in this process) plus the
 * records; invalid configs and aborts behave; and each namespace exports the names the README lists.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as lib from "../src/index.js";
import { run } from "../src/index.js";
import { toJson } from "../src/cli/format.js";
import { runMain } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "dlnlab-lib-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A result as JSON sees it (the CLI prints non-finite numbers as null), without the wall-clock timing. */
function comparable(r: object): Record<string, unknown> {
  const { timing, records: _records, ...rest } = JSON.parse(toJson(r)) as Record<string, unknown> & { timing: Record<string, unknown> };
  return { ...rest, timing: { steps: timing.steps, backend: timing.backend } };
}

describe("run(config) equals dlnlab run --json", () => {
  const configs: [string, Record<string, unknown>][] = [
    // Full GD in a general basis, default (auto) record and sharpness plans, a stop before the budget.
    ["deep linear network", { name: "lib-dln", width: 3, depths: [4, 4], target: { sigma: [1, 0.5, 0.25], basis: "general" }, init: { type: "svs", scales: [0.05, 0.04] }, lr: 0.5, steps: 4000, seed: 3 }],
    ["tanh MLP", { width: 3, depths: [3, 3], model: "mlp", mlp: { hidden: 6, init: { type: "gaussian", std: 0.3 } }, lr: 0.2, steps: 600, seed: 1, sharpness: { top: 2 } }],
    ["deep linear classifier", { width: 2, depths: [3], model: "classifier", lr: 0.5, steps: 800, seed: 2 }],
    // Gradient flow: the CLI slices by wall time, the library too, and neither slicing may change a number.
    ["gradient flow", { width: 2, depths: [4, 4], target: { sigma: [1, 0.5], basis: "symmetric" }, lr: 0.05, steps: 3000, dynamics: "flow", seed: 1 }],
  ];
  for (const [name, config] of configs) {
    it(name, async () => {
      const file = join(dir, `${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, JSON.stringify(config));
      // The JS backend on both sides: the CLI's default backend may be WebAssembly, whose kernels need not round like JS.
      const cli = await runMain(["run", file, "--json", "--backend", "js"]);
      expect(cli.code, cli.stderr).toBe(0);
      const printed = JSON.parse(cli.stdout) as Record<string, unknown>;
      const out = await run(config, { backend: lib.engine.jsBackend });
      expect(comparable(out)).toEqual(comparable(printed));
      // Plus the records: the trajectory whose last entry is the final state.
      // Under the auto plans sharpness rides on the plan's own records, so the count is the plan's.
      expect(out.config.sharpness.every).toBe(0);
      expect(out.records.length).toBe(lib.engine.plannedRecords(out.config.record, out.final.step));
      expect(out.records.at(-1)!.s).toEqual(out.final.s);
      expect(out.records.at(-1)!.step).toBe(out.final.step);
    }, 90_000);
  }

  it("the README's example", async () => {
    const r = await run({ depths: [4, 4], width: 1, target: { sigma: [1] }, lr: 0.625, steps: 100_000, dynamics: "reduced" });
    expect(r.status).toBe("converged");
    // The README prints four digits; the reference of docs/theory.md §4 for these settings is (0.783, 0.217).
    expect(r.final.s.map((row) => Number(row[0]!.toFixed(4)))).toEqual([0.7829, 0.2171]);
  });
});

describe("run(config): columns described for the model", () => {
  it("a classifier's s_1_1 is cos∠(w, ŵ) and its loss the risk; MLPs and classifiers have no leaves", async () => {
    const cls = await run({ width: 2, depths: [3], model: "classifier", lr: 0.5, steps: 20 });
    const of = (r: lib.RunOutput, name: string) => r.columns.find((c) => c.name === name)!.description;
    expect(of(cls, "s_1_1")).toMatch(/^cos∠\(w, ŵ\)/);
    expect(of(cls, "loss")).toMatch(/^risk/);
    expect(of(cls, "leaf_1_1")).toMatch(/not defined/);
    // The records agree: the classifier's drift is sin∠(w, ŵ), so s_1_1² + drift² = 1 up to rounding.
    for (const r of cls.records) expect(Math.abs(r.s[0]![0]! ** 2 + r.drift ** 2 - 1)).toBeLessThan(1e-12);
    const mlp = await run({ width: 2, depths: [2, 2], model: "mlp", mlp: { hidden: 3 }, lr: 0.1, steps: 20 });
    expect(mlp.columns.map((c) => c.description).join(" ")).not.toMatch(/SVS|leaf coordinate z/);
    expect(of(mlp, "s_1_1")).toMatch(/^output mode coefficient/);
  });
});

describe("run(config): bad input and interrupts", () => {
  it("an invalid config throws ConfigError naming the field, as the CLI prints it", async () => {
    await expect(run({ lr: -1 })).rejects.toThrow(lib.config.ConfigError);
    await expect(run({ lr: -1 })).rejects.toThrow(/^lr: /);
    await expect(run({ depths: [4, 4], init: { type: "svs", scales: [0.1, 0.2, 0.3] } })).rejects.toThrow(/init\.scales/);
  });

  it("an aborted signal ends the run as interrupted, with its state so far", async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await run({ depths: [4, 4], width: 2, lr: 0.1, steps: 10_000_000, dynamics: "reduced" }, { signal: controller.signal });
    expect(r.status).toBe("interrupted");
    expect(r.final.step).toBeGreaterThan(0);
    expect(r.final.step).toBeLessThan(10_000_000);
  });
});

describe("namespaces", () => {
  it("the entry exports run, VERSION and the four namespaces, not ~200 flat names", () => {
    expect(Object.keys(lib).sort()).toEqual(["VERSION", "config", "engine", "experiments", "run", "theory"]);
  });

  // The README's "Library" section lists names per namespace as "- `ns`: `a`, `b`, …".
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Library"), readme.indexOf("\n## ", readme.indexOf("## Library") + 1));
  const listed = [...section.matchAll(/^- `(\w+)`: (.+)$/gm)].map((m) => [m[1]!, [...m[2]!.matchAll(/`(\w+)`/g)].map((n) => n[1]!)] as const);

  it("the README lists every namespace", () => {
    expect(listed.map(([ns]) => ns)).toEqual(["engine", "theory", "config", "experiments"]);
  });
  for (const [ns, names] of listed) {
    it(`${ns} exports what the README documents`, () => {
      const space = (lib as unknown as Record<string, Record<string, unknown>>)[ns]!;
      expect(names.length).toBeGreaterThan(5);
      for (const name of names) expect(space[name], `${ns}.${name}`).toBeDefined();
    });
  }
});
