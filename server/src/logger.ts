import { type DestinationStream, type Logger, pino } from "pino";

/**
 * Structured JSON logs, on stdout unless another destination is given. Credentials are
 * redacted even if a caller logs a request.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: "natter" },
    redact: {
      paths: ["req.headers.authorization", "*.password", "*.currentPassword", "*.newPassword", "*.token"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
