import { createRequire } from "node:module";
import { type DestinationStream, type Logger, pino } from "pino";
import type PinoPretty from "pino-pretty";

/** How log lines are written: JSON for machines, or readable lines for a person at a terminal. */
export type LogFormat = "json" | "pretty" | "auto";

/**
 * Structured logs, on stdout unless another destination is given: JSON, or pretty lines when
 * the format says so (`auto`: when stdout is a terminal). Credentials are redacted even if a
 * caller logs a request.
 */
export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = "json"): Logger {
  const options = {
    level,
    base: { service: "natter" },
    redact: {
      paths: ["req.headers.authorization", "*.password", "*.currentPassword", "*.newPassword", "*.token"],
      censor: "[redacted]",
    },
  };
  const readable = format === "pretty" || (format === "auto" && destination === undefined && process.stdout.isTTY);
  if (readable) {
    // Required only when wanted: the pretty printer and its dependencies cost every JSON start.
    const pretty = createRequire(import.meta.url)("pino-pretty") as typeof PinoPretty;
    return pino(options, pretty({ destination: destination ?? 1, sync: true, ignore: "pid,hostname,service" }));
  }
  return destination ? pino(options, destination) : pino(options);
}
