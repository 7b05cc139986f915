/**
 * @file `dlnlab run [CONFIG] [flags]`: one simulation from a YAML/JSON config, a preset or flags, with
 * `--resume` (continue the run in --out from its own config.json), `--force` (overwrite a non-empty
 * --out), `--init-from FILE.npz` and a lock so that two processes never write one --out.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, Option } from "@commander-js/extra-typings";
import { FIELD_FLAGS, type FieldFlag } from "../../config/flags.js";
import { PRESETS } from "../../config/presets.js";
import { getDefaultBackend } from "../../engine/linalg/kernels.js";
import type { BackendName } from "../run-host.js";
import { EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { flagValues, loadInitialState, loadRunConfig, longRunNote } from "../config-input.js";
import { runSession } from "../run-session.js";
import { formatRunSummary } from "../summary.js";
import { toJson } from "../format.js";
import { onInterrupt } from "../signals.js";
import { acquireDirLock, outDirEntries, readJson, removeEntries } from "../io.js";

/** Help sections of `dlnlab run --help`, in order; every field flag belongs to one. */
const GROUPS = {
  common: "Network, target and step (every model):",
  linear: "Linear network (--model dln, the default):",
  mlp: "MLP (--model mlp):",
  saddle: "Saddle escape (bottleneck init of an MLP):",
  classifier: "Classifier (--model classifier):",
  schedule: "Step-size schedule:",
  measure: "Recording, sharpness and stopping:",
  flow: "Gradient flow (--dynamics flow):",
} as const;

const GROUP_OF: Record<string, keyof typeof GROUPS> = {
  "--width": "common", "--depths": "common", "--sigma": "common", "--basis": "common", "--model": "common",
  "--lr": "common", "--h": "common", "--steps": "common", "--dynamics": "common", "--seed": "common", "--init-std": "common",
  "--init": "linear", "--init-scales": "linear",
  "--activation": "mlp", "--hidden": "mlp", "--bias": "mlp", "--he-scale": "mlp",
  "--epsilon": "saddle", "--small-layers": "saddle", "--init-base": "saddle", "--loss-fraction": "saddle",
  "--loss": "classifier", "--points": "classifier", "--margin": "classifier",
  "--schedule": "schedule", "--warmup-steps": "schedule", "--warmup-start": "schedule", "--boundaries": "schedule", "--factors": "schedule",
  "--decay-steps": "schedule", "--decay-power": "schedule",
  "--record-every": "measure", "--sharpness-every": "measure", "--sharpness-top": "measure", "--sharpness-method": "measure", "--loss-tol": "measure",
  "--flow-system": "flow", "--rtol": "flow", "--atol": "flow",
};

/** The help line of a field flag, ending with its choices when it takes one of a fixed set of words. */
function flagHelp(f: FieldFlag): string {
  if (f.kind === "boolean") return `${f.help} (choices: on, off)`;
  return f.choices ? `${f.help} (choices: ${f.choices.join(", ")})` : f.help;
}

/**
 * The files a run writes in --out, cleared by --force before a new run: the fixed ones and the
 * figures the earlier run's result.json lists (anything else in DIR is left alone).
 */
function runFiles(dir: string): string[] {
  let figures: string[] = [];
  try {
    const listed = (JSON.parse(readFileSync(join(dir, "result.json"), "utf8")) as { files?: { figures?: unknown } }).files?.figures;
    if (Array.isArray(listed)) figures = listed.filter((f): f is string => typeof f === "string" && /^[\w.-]+$/.test(f));
  } catch {
    // No readable result.json: only the fixed files and the default figures are removed.
  }
  const defaults = ["modes", "loss", "sharpness"].flatMap((f) => [`${f}.svg`, `${f}.png`]);
  return ["config.json", "trajectory.csv", "result.json", "checkpoint.json", "initial.npz", "final.npz", ...defaults, ...figures];
}

/** Add `run` to the program. */
export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .summary("simulate one network (GD, reduced GD or gradient flow)")
    .description(
      "Simulate a multi-pathway deep linear network (or an MLP, or a deep linear classifier) from a YAML/JSON CONFIG, " +
        "an embedded --preset, or flags (flags override the config). Prints a summary table, or one JSON object with --json. " +
        "Exit code 0 when the simulation ran (its status tells how it ended), 2 for bad input, 130 after Ctrl-C. " +
        `Presets: ${PRESETS.map((p) => p.name).join(", ")} (see \`dlnlab presets\`).`,
    )
    .argument("[config]", "YAML or JSON run config (fields as in docs/config.md)")
    .optionsGroup("Input and output:")
    .option("--preset <name>", `start from an embedded preset instead of a file (choices: ${PRESETS.map((p) => p.name).join(", ")})`)
    .option("--out <dir>", "write config.json, trajectory.csv, result.json, checkpoint.json, initial.npz, final.npz and figures (SVG+PNG) here; refused when DIR holds files, unless --resume or --force")
    .option("--resume", "continue the interrupted run in --out from its checkpoint, with the settings saved in DIR/config.json (flags that differ are refused)")
    .option("--force", "start afresh in a non-empty --out, replacing the files of an earlier run there")
    .option("--init-from <file.npz>", "start from a saved state (W{k}_{l}, b{k}_{l} arrays; e.g. another run's final.npz), for model dln or mlp")
    .option("--json", "print one JSON object (status, lr, h, final, timing, config) on stdout instead of the table")
    .option("--no-figures", "do not render figures")
    .addOption(new Option("--predict <what>", "overlay a prediction on the figures (dashed): central = the central flow of the same config (GD runs only)").choices(["central"]))
    .addOption(new Option("--backend <name>", "kernel backend for full matrices").choices(["auto", "js", "wasm"]).default("auto"))
    .addOption(
      new Option("--worker <when>", "run the simulation in a worker thread, so Ctrl-C/SIGTERM stop it within a second even inside one long step (auto: when one step or sharpness measurement is estimated to take over 0.25 s; same numbers either way)")
        .choices(["auto", "on", "off"])
        .default("auto"),
    );
  for (const group of Object.keys(GROUPS) as (keyof typeof GROUPS)[]) {
    for (const f of FIELD_FLAGS.filter((x) => (GROUP_OF[x.flag] ?? "common") === group)) {
      cmd.addOption(new Option(`${f.flag} ${f.arg}`, flagHelp(f)).helpGroup(GROUPS[group]));
    }
  }
  cmd.addHelpText(
    "after",
    "\nResume and overwrite: `dlnlab run --resume --out DIR` alone continues the run in DIR from its saved\n" +
      "config and checkpoint; a run into a DIR that holds files needs --resume or --force. While a run\n" +
      "writes DIR it holds DIR/.dlnlab.lock (its pid); a second process on DIR is refused.\n" +
      "Step: --lr η, or --h h with η = h/λ_single, λ_single = max_k L_k σ_1^(2−2/L_k); result.json gives both.",
  );
  cmd.action(async (file, opts) => {
    const flags = flagValues(opts as Record<string, unknown>);
    if (opts.out !== undefined && opts.out.trim() === "") throw new UsageError("--out: expected a directory, got an empty path");
    if (opts.resume && !opts.out) throw new UsageError("--resume needs --out DIR (the interrupted run's directory)");
    if (opts.resume && opts.force) throw new UsageError("--force: not with --resume (--force starts a new run in --out, --resume continues the one there)");
    const initFrom = opts.initFrom !== undefined ? { initFrom: opts.initFrom } : {};
    let loaded: ReturnType<typeof loadRunConfig>;
    if (opts.resume && !file && !opts.preset) {
      // `--resume --out DIR` alone: the saved config is the base, flags on top (and then compared).
      const configPath = join(opts.out!, "config.json");
      const saved = readJson(configPath, "--resume") as { config?: unknown };
      if (saved.config === null || typeof saved.config !== "object") {
        throw new UsageError(`--resume: ${configPath} has no saved config (written by an older dlnlab); give the run's CONFIG or flags again`);
      }
      loaded = loadRunConfig(undefined, undefined, flags, { saved: { raw: saved.config as Record<string, unknown>, file: configPath }, ...initFrom });
    } else {
      loaded = loadRunConfig(file, opts.preset, flags, initFrom);
    }
    const { config, spec } = loaded;
    if (opts.predict && (spec.dynamics === "flow" || spec.dynamics === "central")) {
      throw new UsageError(`--predict central: compares with a GD run; --dynamics is ${spec.dynamics}`);
    }
    const backend = pickBackend(opts.backend);
    const lock = opts.out ? acquireDirLock(opts.out) : null;
    const note = longRunNote(spec);
    if (note) process.stderr.write(note);
    const stop = onInterrupt();
    try {
      if (opts.out && !opts.resume) {
        const entries = outDirEntries(opts.out);
        if (entries.length > 0 && !opts.force) {
          const run = entries.includes("config.json") ? "an earlier run: continue it with --resume" : `${entries.length} entr${entries.length === 1 ? "y" : "ies"}`;
          throw new UsageError(`--out: ${opts.out} is not empty (${run}); use --force to overwrite, or another --out`);
        }
        if (opts.force) removeEntries(opts.out, runFiles(opts.out));
      }
      const label = opts.initFrom !== undefined ? "--init-from" : "init.path";
      // On resume the checkpoint holds the state; the init file is read only for a new run.
      const initialState = spec.init.type === "file" && !opts.resume ? loadInitialState(spec, label) : undefined;
      const { result, resumeFrom } = await runSession(spec, {
        ...(config.name ? { name: config.name } : {}),
        ...(opts.out ? { outDir: opts.out } : {}),
        ...(opts.resume ? { resume: true } : {}),
        ...(backend ? { backend } : {}),
        worker: opts.worker,
        ...(initialState ? { initialState } : {}),
        config,
        figures: opts.figures,
        ...(opts.predict === "central" ? { predict: "central" as const } : {}),
        label: config.name ?? "run",
        interrupted: stop.requested,
      });
      if (opts.json) process.stdout.write(toJson(result) + "\n");
      else process.stdout.write(formatRunSummary(result, spec.target.sigma ?? [], opts.out));
      if (result.status === "interrupted") {
        // A worker stopped in the middle of a step leaves the last periodic checkpoint behind the last record.
        const from = resumeFrom !== null && resumeFrom !== result.final.step ? ` (it continues from the checkpoint at step ${resumeFrom})` : "";
        process.stderr.write(`dlnlab: interrupted at step ${result.final.step}; ${opts.out ? `resume with --resume --out ${opts.out}${from}` : "nothing was saved (no --out)"}\n`);
        process.exitCode = EXIT_INTERRUPTED;
      }
    } finally {
      stop.dispose();
      lock?.release();
    }
  });
}

/** The --backend choice as a backend name (undefined: the fastest available); wasm where it is missing is refused. */
function pickBackend(name: string): BackendName {
  if (name === "js") return "js";
  if (name === "wasm") {
    if (getDefaultBackend().name !== "wasm") throw new UsageError("--backend wasm: WebAssembly SIMD is not available here (use auto or js)");
    return "wasm";
  }
  return undefined;
}
