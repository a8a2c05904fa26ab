import { loadConfig } from "../../config/config.js";
import { renderSettingsHelp, settingRows } from "../../config/settings-table.js";
import type { Command, CommandOptions } from "../support/command.js";
import { configFromFlags } from "../support/config-flags.js";

const options: CommandOptions = Object.fromEntries(settingRows().map((row) => [row.flag, { type: "string" as const }]));

/** `natter serve`: migrates, then serves until SIGTERM or SIGINT. */
export const serveCommand: Command = {
  name: "serve",
  summary: "start the server (migrates first)",
  usage: "natter serve [--port N] [--host H] [--db URL] [--<setting> VALUE …]",
  details: () =>
    `Every setting is a flag and an environment variable; a flag wins over the variable:\n${renderSettingsHelp()}`,
  options,
  async run({ values }) {
    const config = loadConfig(configFromFlags(values));
    // Loaded here, not at the top: `--help` and the other commands need none of the server.
    const [{ createLogger }, { startNatterServer }] = await Promise.all([
      import("../../logger.js"),
      import("../../natter-server.js"),
    ]);
    const logger = createLogger(config.logLevel, undefined, config.logFormat);
    const server = await startNatterServer({ config, logger });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "shutting down");
        server.close().then(resolve, resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    return 0;
  },
};
