import { parseArgs } from "node:util";
import { ConfigError } from "../config/config.js";
import { SERVER_VERSION } from "../version.js";
import { adminCommand } from "./commands/admin.js";
import { backupCommand } from "./commands/backup.js";
import { copyCommand } from "./commands/copy.js";
import { migrateCommand } from "./commands/migrate.js";
import { reindexCommand } from "./commands/reindex.js";
import { restoreCommand } from "./commands/restore.js";
import { seedCommand } from "./commands/seed.js";
import { serveCommand } from "./commands/serve.js";
import { usersCommand } from "./commands/users.js";
import { describeStartFailure } from "./start-failure.js";
import { type Command, UsageError } from "./support/command.js";

/** Every subcommand, in the order `natter --help` lists them. */
const COMMANDS: readonly Command[] = [
  serveCommand,
  migrateCommand,
  reindexCommand,
  backupCommand,
  restoreCommand,
  copyCommand,
  adminCommand,
  usersCommand,
  seedCommand,
];

function overview(): string {
  const lines = COMMANDS.map((command) => `  ${command.usage}\n      ${command.summary}`);
  return (
    `Usage: natter <command> [options]\n\nCommands:\n${lines.join("\n")}\n\n` +
    "`natter <command> --help` describes one command; `natter --version` prints the version."
  );
}

function commandHelp(command: Command): string {
  const details = command.details?.();
  return `Usage: ${command.usage}\n\n${command.summary}${details ? `\n\n${details}` : ""}`;
}

/** Runs the `natter` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    console.log(SERVER_VERSION);
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? console.error : console.log)(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`natter: unknown command: ${name}\n\n${overview()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      console.log(commandHelp(command));
      return 0;
    }
    if (!command.takesArguments && positionals.length > 0)
      throw new UsageError(`unexpected argument ${positionals[0]}`);
    return await command.run({ values, positionals });
  } catch (error) {
    if (isUsageMistake(error)) {
      console.error(
        `natter ${command.name}: ${oneLine(error)}\nUsage: ${command.usage}  (natter ${command.name} --help)`,
      );
      return 2;
    }
    throw error;
  }
}

/** A wrong flag, a missing value or an invalid setting: the caller's to fix, exit 2. */
function isUsageMistake(error: unknown): error is Error {
  if (error instanceof UsageError || error instanceof ConfigError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

function oneLine(error: Error): string {
  if (error instanceof ConfigError) return `invalid configuration: ${error.problems.join("; ")}`;
  const unknownOption = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknownOption) return `unknown option ${unknownOption[1]}`;
  return error.message.split("\n")[0] ?? error.message;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(describeStartFailure(error));
    process.exitCode = 1;
  },
);
