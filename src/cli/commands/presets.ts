/**
 * @file `dlnlab presets`: list the embedded run configs, or print one as YAML to start a config file.
 */
import type { Command } from "@commander-js/extra-typings";
import { stringify } from "yaml";
import { findPreset, PRESETS } from "../../config/presets.js";
import { UsageError } from "../errors.js";
import { table } from "../format.js";

/** Add `presets` to the program. */
export function registerPresets(program: Command): void {
  program
    .command("presets")
    .summary("list embedded run configs, or print one as YAML")
    .argument("[name]", "print this preset as a YAML config (a starting point for your own file)")
    .action((name) => {
      if (name) {
        const p = findPreset(name);
        if (!p) throw new UsageError(`unknown preset ${JSON.stringify(name)}; one of ${PRESETS.map((x) => x.name).join(", ")}`);
        process.stdout.write(`# ${p.description}\n` + stringify(p.config));
        return;
      }
      process.stdout.write(table([["name", "description"], ...PRESETS.map((p) => [p.name, p.description])]) + "\n");
    });
}
