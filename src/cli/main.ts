/**
 * @file Entry point of the `dlnlab` command: builds the commander program, maps errors to
 * one-line messages and exit codes (2 for bad input, 130 after Ctrl-C), and never prints a
 * stack trace for anything the user did.
 */
import { Command, CommanderError } from "@commander-js/extra-typings";
import { EXIT_INTERRUPTED, EXIT_USAGE, InterruptedError, UsageError } from "./errors.js";
import { VERSION } from "../version.js";

/** Each command module exports a function that adds its subcommand to the program. */
export type RegisterCommand = (program: Command) => void;

// Loaded on demand: importing every command module costs ≈ 0.4 s of CPU at start-up (the sweep command
// alone pulls in DuckDB), so `dlnlab theory …` imports only the theory command. Keys are the command
// names, in the order `dlnlab --help` lists them.
const commands: Record<string, () => Promise<RegisterCommand>> = {
  run: async () => (await import("./commands/run.js")).registerRun,
  demo: async () => (await import("./commands/demo.js")).registerDemo,
  presets: async () => (await import("./commands/presets.js")).registerPresets,
  schema: async () => (await import("./commands/schema.js")).registerSchema,
  theory: async () => (await import("./commands/theory.js")).registerTheory,
  reproduce: async () => (await import("./commands/reproduce.js")).registerReproduce,
  sweep: async () => (await import("./commands/sweep.js")).registerSweep,
};

/**
 * Build the `dlnlab` program. With `argv` whose first word is a command name, only that command is
 * registered (the others are never reached); otherwise (no command, `--help`, `help CMD`, an unknown
 * or misspelt command, which needs every name for its suggestion) all of them are.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
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
  const first = argv?.[0];
  const names = first !== undefined && Object.hasOwn(commands, first) ? [first] : Object.keys(commands);
  const registers = await Promise.all(names.map((name) => commands[name]!()));
  for (const register of registers) register(program);
  return program;
}

/** Run the CLI on `argv` (without `node` and the script) and resolve to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
    if (err instanceof InterruptedError) {
      process.stderr.write(`dlnlab: ${err.message}\n`);
      return EXIT_INTERRUPTED;
    }
    throw err;
  }
}
