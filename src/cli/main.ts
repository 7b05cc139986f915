/**
 * @file Entry point of the `dlnlab` command: builds the commander program, maps errors to
 * one-line messages and exit codes (2 for bad input, 130 after Ctrl-C), and never prints a
 * stack trace for anything the user did.
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { EXIT_USAGE, UsageError } from "./errors.js";
import { VERSION } from "../version.js";
import { registerRun } from "./commands/run.js";
import { registerDemo } from "./commands/demo.js";
import { registerPresets } from "./commands/presets.js";
import { registerSchema } from "./commands/schema.js";
import { registerTheory } from "./commands/theory.js";
import { registerReproduce } from "./commands/reproduce.js";
import { registerSweep } from "./commands/sweep.js";

/** Each command module exports a function that adds its subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

const commands: RegisterCommand[] = [registerRun, registerDemo, registerPresets, registerSchema, registerTheory, registerReproduce, registerSweep];

/** Build the `dlnlab` program with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command()
    .name("dlnlab")
    .description("Simulate, predict and plot the training dynamics of multi-pathway deep linear networks.")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      // Commander's own messages ("error: unknown option '--x'") become one prefixed line.
      outputError: (s, write) => write(`dlnlab: ${s.trim().replace(/\s*\n\s*/g, " ")}\n`),
    });
  for (const register of commands) register(program);
  return program;
}

/** Run the CLI on `argv` (without `node` and the script) and resolve to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests are not errors.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") {
        return 0;
      }
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`dlnlab: error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
