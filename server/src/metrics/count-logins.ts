import { NatterError } from "@natter/shared";
import type { AccountsService } from "../services/accounts/accounts-service.js";
import type { LoginOutcome, Metrics } from "./metrics.js";

const OUTCOME_BY_CODE: Partial<Record<string, LoginOutcome>> = {
  INVALID_CREDENTIALS: "invalid_credentials",
  RATE_LIMITED: "throttled",
  ACCOUNT_BANNED: "banned",
};

/**
 * Counts every log-in by outcome, whichever transport it came by, by wrapping the one method
 * they all reach: the service itself stays free of metrics.
 */
export function countLogins(accounts: AccountsService, metrics: Metrics): void {
  const logIn = accounts.logIn.bind(accounts);
  accounts.logIn = async (...args) => {
    try {
      const result = await logIn(...args);
      metrics.logins.inc({ outcome: "success" });
      return result;
    } catch (error) {
      const outcome = error instanceof NatterError ? OUTCOME_BY_CODE[error.code] : undefined;
      metrics.logins.inc({ outcome: outcome ?? "error" });
      throw error;
    }
  };
}
