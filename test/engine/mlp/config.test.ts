/**
 * The MLP in run configs: the `model`/`mlp` fields, their resolution, the flags (--model, --activation,
 * --hidden, --bias, --he-scale, and --init-std routed to the MLP's init), and one-line errors that
 * name the flag or field. Linear configs must resolve exactly as before.
 */
import { describe, expect, it } from "vitest";
import { RunConfigSchema, resolveRunConfig } from "../../../src/config/schema.js";
import { applyFlags, FIELD_FLAGS, parseFlagValue } from "../../../src/config/flags.js";
import { parseConfigText, validateRunConfig } from "../../../src/config/validate.js";

/** Flags → validated config (the CLI's path without the process). */
function fromFlags(flags: Record<string, string>, raw: Record<string, unknown> = {}) {
  const { config, setBy } = applyFlags(raw, new Map(Object.entries(flags)));
  return validateRunConfig(config, { setBy });
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  return "(no error)";
}

describe("model: mlp configs", () => {
  it("resolve to an explicit MLP spec (defaults: tanh, hidden 64, gaussian std 0.01, no biases)", () => {
    const spec = resolveRunConfig(RunConfigSchema.parse({ model: "mlp", depths: [3, 3, 2] }));
    expect(spec.model).toBe("mlp");
    expect(spec.mlp).toEqual({ activation: "tanh", hidden: [64, 64, 64], bias: false, init: { type: "gaussian", std: 0.01 } });
    const per = resolveRunConfig(RunConfigSchema.parse({ model: "mlp", depths: [3, 2], mlp: { hidden: [8, 16], input: [[1, 0], [0, 1], [1, 1]] } }));
    expect(per.mlp!.hidden).toEqual([8, 16]);
    expect(per.mlp!.input).toEqual([[1, 0], [0, 1], [1, 1]]);
  });

  it("leave linear specs exactly as they were (no model or mlp keys)", () => {
    const spec = resolveRunConfig(RunConfigSchema.parse({}));
    expect(Object.keys(spec)).not.toContain("model");
    expect(Object.keys(spec)).not.toContain("mlp");
    expect(Object.keys(spec)).toEqual(["width", "depths", "target", "init", "lr", "schedule", "steps", "dynamics", "flow", "seed", "record", "sharpness", "stop"]);
  });

  it("report misuse with the field and its file position", () => {
    const check = (text: string) => message(() => {
      const { raw, origin } = parseConfigText(text, "run.yaml");
      validateRunConfig(raw, origin);
    });
    expect(check("mlp: { hidden: 8 }\n")).toMatch(/^run\.yaml:1:6: mlp: is only used with model: mlp/);
    expect(check("model: mlp\ndynamics: reduced\n")).toMatch(/^run\.yaml:2:11: dynamics: reduced dynamics are not defined for MLPs/);
    expect(check("model: mlp\ndynamics: flow\nflow: { system: reduced }\n")).toMatch(/flow\.system: reduced dynamics are not defined for MLPs/);
    expect(check("model: mlp\ninit: { type: gaussian, std: 0.1 }\n")).toMatch(/^run\.yaml:2:7: init: is the linear network's initialisation; for model: mlp set mlp.init/);
    expect(check("model: mlp\ndepths: [2, 2]\nmlp: { hidden: [4, 4, 4] }\n")).toMatch(/mlp\.hidden: has 3 values; expected 1 or 2/);
    expect(check("model: mlp\nwidth: 2\nmlp: { input: [[1, 0], [0, 1, 2]] }\n")).toMatch(/mlp\.input\[1\]: has 3 columns; expected 2/);
    expect(check("model: mlp\nmlp: { activation: softplus }\n")).toMatch(/^run\.yaml:2:20: mlp\.activation: .*"linear"\|"tanh"/);
    expect(check("model: mlp\nmlp: { init: { type: he, scale: -1 } }\n")).toMatch(/mlp\.init\.scale: must be > 0/);
    expect(check("model: mlp\nmlp: { bias: 1 }\n")).toMatch(/mlp\.bias: expected boolean/);
  });
});

describe("MLP flags", () => {
  it("set the mlp fields, with --init-std routed to the MLP's gaussian init", () => {
    const c = fromFlags({ "--model": "mlp", "--activation": "gelu", "--hidden": "32,16", "--init-std": "0.02", "--bias": "on", "--depths": "3,3" });
    expect(c.model).toBe("mlp");
    expect(c.mlp).toEqual({ activation: "gelu", hidden: [32, 16], bias: true, init: { type: "gaussian", std: 0.02 } });
    expect(c.init).toEqual({ type: "svs", scales: [0.0016, 0.00130321] }); // the linear init is untouched
    const he = fromFlags({ "--model": "mlp", "--he-scale": "0.5" });
    expect(he.mlp!.init).toEqual({ type: "he", scale: 0.5 });
    // --init-std keeps its meaning for the linear network.
    expect(fromFlags({ "--init-std": "0.1" }).init).toEqual({ type: "gaussian", std: 0.1 });
  });

  it("follow the model of a config file, and --model drops the other model's settings", () => {
    const fileMlp = { model: "mlp", mlp: { activation: "sin", init: { type: "he", scale: 1 } } };
    expect(fromFlags({ "--init-std": "0.05" }, fileMlp).mlp!.init).toEqual({ type: "gaussian", std: 0.05 });
    expect(fromFlags({ "--model": "dln" }, fileMlp).mlp).toBeUndefined();
    expect(fromFlags({ "--model": "mlp" }, { init: { type: "gaussian", std: 0.2 } }).model).toBe("mlp");
  });

  it("name the flag in every error", () => {
    expect(message(() => fromFlags({ "--activation": "tanh" }))).toBe("--activation: only used with --model mlp");
    expect(message(() => fromFlags({ "--hidden": "8" }))).toBe("--hidden: only used with --model mlp or classifier");
    expect(message(() => fromFlags({ "--model": "mlp", "--init-scales": "0.1,0.2" }))).toMatch(/^--init-scales: not used by MLP models \(model: mlp\); their initialisation is --init-std or --he-scale$/);
    expect(message(() => fromFlags({ "--model": "mlp", "--dynamics": "reduced" }))).toMatch(/^--dynamics: reduced dynamics are not defined for MLPs/);
    expect(message(() => fromFlags({ "--model": "mlp", "--hidden": "0" }))).toMatch(/^--hidden/);
    expect(message(() => fromFlags({ "--model": "mlp", "--init-std": "-1" }))).toMatch(/^--init-std: must be > 0/);
    expect(message(() => fromFlags({ "--model": "mlp", "--depths": "2,2", "--hidden": "4,4,4" }))).toMatch(/^--hidden: has 3 values; expected 1 or 2/);
    expect(message(() => fromFlags({ "--model": "nonlinear" }))).toMatch(/^--model: expected one of dln, mlp/);
    expect(message(() => fromFlags({ "--model": "mlp", "--activation": "softplus" }))).toMatch(/^--activation: expected one of linear, tanh, relu, gelu, swish, erf, sin/);
    expect(message(() => fromFlags({ "--model": "mlp", "--bias": "maybe" }))).toBe('--bias: expected on or off, got "maybe"');
  });

  it("--bias takes on/off, true/false, yes/no, 1/0", () => {
    const bias = FIELD_FLAGS.find((f) => f.flag === "--bias")!;
    expect(["on", "true", "yes", "1", "ON"].map((t) => parseFlagValue(bias, t))).toEqual([true, true, true, true, true]);
    expect(["off", "false", "no", "0"].map((t) => parseFlagValue(bias, t))).toEqual([false, false, false, false]);
  });
});
