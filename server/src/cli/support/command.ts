import type { ParseArgsConfig } from "node:util";

/** The options of one command, as `node:util`'s `parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** What a command is given after its flags have been parsed. */
export interface CommandInput {
  /** Flag values by option name; booleans for switches, strings otherwise. */
  values: Record<string, string | boolean | undefined>;
  /** Words after the command name (`natter admin grant alice` gives `["grant", "alice"]`). */
  positionals: string[];
}

/** One `natter` subcommand. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage line, such as `natter migrate [--db URL]`. */
  usage: string;
  /** Further help below the usage line. */
  details?: () => string;
  options: CommandOptions;
  /** Whether words may follow the command name; without this, any word is a usage mistake. */
  takesArguments?: boolean;
  /** Resolves to the process exit code. */
  run(input: CommandInput): Promise<number>;
}

/** A mistake in how the command was called: printed as one line plus the usage, exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
