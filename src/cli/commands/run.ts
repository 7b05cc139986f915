/**
 * @file `dlnlab run [CONFIG] [flags]`: one simulation from a YAML/JSON config, a preset or flags.
 */
import { Command, Option } from "@commander-js/extra-typings";
import { FIELD_FLAGS } from "../../config/flags.js";
import { PRESETS } from "../../config/presets.js";
import { jsBackend, getDefaultBackend, type Backend } from "../../engine/linalg/kernels.js";
import { EXIT_INTERRUPTED, UsageError } from "../errors.js";
import { flagValues, loadRunConfig } from "../config-input.js";
import { runSession } from "../run-session.js";
import { formatRunSummary } from "../summary.js";
import { toJson } from "../format.js";
import { onInterrupt } from "../signals.js";

/** Add `run` to the program. */
export function registerRun(program: Command): void {
  const cmd = program
    .command("run")
    .summary("simulate one network (GD, reduced GD or gradient flow)")
    .description(
      "Simulate a multi-pathway deep linear network from a YAML/JSON CONFIG, an embedded --preset, or flags " +
        "(flags override the config). Prints a summary table, or one JSON object with --json. Exit code 0 when the " +
        "simulation ran (its status tells how it ended), 2 for bad input, 130 after Ctrl-C. " +
        `Presets: ${PRESETS.map((p) => p.name).join(", ")} (see \`dlnlab presets\`).`,
    )
    .argument("[config]", "YAML or JSON run config (fields as in docs/config.md)")
    .option("--preset <name>", "start from an embedded preset instead of a file")
    .option("--out <dir>", "write config.json, trajectory.csv, result.json, checkpoint.json and figures (SVG+PNG) here")
    .option("--json", "print one JSON object (status, final, timing, config) on stdout instead of the table")
    .option("--resume", "continue the interrupted run in --out from its checkpoint (same config and flags)")
    .option("--no-figures", "do not render figures")
    .addOption(new Option("--predict <what>", "overlay a prediction on the figures (dashed): central = the central flow of the same config (GD runs only)").choices(["central"]))
    .addOption(new Option("--backend <name>", "kernel backend for full matrices").choices(["auto", "js", "wasm"]).default("auto"));
  for (const f of FIELD_FLAGS) cmd.option(`${f.flag} ${f.arg}`, f.help);
  cmd.action(async (file, opts) => {
    const { config, spec } = loadRunConfig(file, opts.preset, flagValues(opts as Record<string, unknown>));
    if (opts.resume && !opts.out) throw new UsageError("--resume needs --out DIR (the interrupted run's directory)");
    if (opts.predict && (spec.dynamics === "flow" || spec.dynamics === "central")) {
      throw new UsageError(`--predict central: compares with a GD run; --dynamics is ${spec.dynamics}`);
    }
    const backend = pickBackend(opts.backend);
    const stop = onInterrupt();
    try {
      const { result } = await runSession(spec, {
        ...(config.name ? { name: config.name } : {}),
        ...(opts.out ? { outDir: opts.out } : {}),
        ...(opts.resume ? { resume: true } : {}),
        ...(backend ? { backend } : {}),
        figures: opts.figures,
        ...(opts.predict === "central" ? { predict: "central" as const } : {}),
        label: config.name ?? "run",
        interrupted: stop.requested,
      });
      if (opts.json) process.stdout.write(toJson(result) + "\n");
      else process.stdout.write(formatRunSummary(result, spec.target.sigma ?? [], opts.out));
      if (result.status === "interrupted") {
        process.stderr.write(`dlnlab: interrupted at step ${result.final.step}; ${opts.out ? `resume with --resume --out ${opts.out}` : "nothing was saved (no --out)"}\n`);
        process.exitCode = EXIT_INTERRUPTED;
      }
    } finally {
      stop.dispose();
    }
  });
}

function pickBackend(name: string): Backend | undefined {
  if (name === "js") return jsBackend;
  if (name === "wasm") {
    const b = getDefaultBackend();
    if (b.name !== "wasm") throw new UsageError("--backend wasm: WebAssembly SIMD is not available here (use auto or js)");
    return b;
  }
  return undefined;
}
