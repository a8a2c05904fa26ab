import { type Logger, pino } from "pino";

/** Structured JSON logs on stdout. Credentials are redacted even if a caller logs a request. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "natter" },
    redact: {
      paths: ["req.headers.authorization", "*.password", "*.currentPassword", "*.newPassword", "*.token"],
      censor: "[redacted]",
    },
  });
}
