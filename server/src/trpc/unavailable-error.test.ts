import { NatterError } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { unavailableError } from "./unavailable-error.js";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("unavailableError", () => {
  it("names outages of the database, the disk and Redis, however deep the cause", () => {
    for (const error of [
      withCode("57P01", "terminating connection due to administrator command"),
      withCode("08006"),
      withCode("53100", "could not extend file: No space left on device"),
      withCode("25006", "cannot execute INSERT in a read-only transaction"),
      new Error("Connection terminated unexpectedly"),
      withCode("SQLITE_FULL", "database or disk is full"),
      withCode("SQLITE_IOERR_WRITE"),
      withCode("ENOSPC"),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error("Command timed out"),
      new AggregateError([withCode("ECONNREFUSED")]),
      new Error("wrapped", { cause: new Error("again", { cause: withCode("SQLITE_FULL") }) }),
    ]) {
      const answer = unavailableError(error);
      expect(answer, String(error)).toBeInstanceOf(NatterError);
      expect(answer?.code).toBe("UNAVAILABLE");
      expect(answer?.details?.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it("leaves every other failure alone", () => {
    for (const error of [
      new Error("boom"),
      withCode("23505", "duplicate key"),
      withCode("22021", "invalid byte sequence"),
      withCode("SQLITE_CONSTRAINT_UNIQUE"),
      withCode("ENOENT"),
      new TypeError("x is undefined"),
      "a string",
      undefined,
    ]) {
      expect(unavailableError(error), String(error)).toBeUndefined();
    }
  });
});
