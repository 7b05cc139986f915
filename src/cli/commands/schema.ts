/**
 * @file `dlnlab schema`: the JSON Schema of run config files, for editors and validators.
 */
import type { Command } from "@commander-js/extra-typings";
import { runConfigJsonSchema } from "../../config/reference.js";

/** Add `schema` to the program. */
export function registerSchema(program: Command): void {
  program
    .command("schema")
    .summary("print the JSON Schema of run config files")
    .description(
      "Print the JSON Schema (draft 2020-12) of `dlnlab run` config files, e.g. for the YAML language server: " +
        "`dlnlab schema > dlnlab-run.schema.json`. The field reference is docs/config.md.",
    )
    .action(() => {
      process.stdout.write(JSON.stringify(runConfigJsonSchema(), null, 2) + "\n");
    });
}
