import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { PasswordHasher } from "../auth/password-hasher.js";
import type { SessionRevocations } from "../auth/session-revocations.js";
import type { Config } from "../config/config.js";
import { AccountsService } from "./accounts-service.js";
import type { Clock } from "./clock.js";
import type { Services } from "./services.js";

export interface ServicesDeps {
  db: Kysely<Database>;
  clock: Clock;
  config: Config;
  revocations: SessionRevocations;
}

/** Builds every service of one server. */
export function createServices({ db, clock, config, revocations }: ServicesDeps): Services {
  const accounts = new AccountsService({
    db,
    clock,
    hasher: new PasswordHasher(),
    revocations,
    sessionPolicy: {
      idleTtlSeconds: config.sessionIdleTtlSeconds,
      absoluteTtlSeconds: config.sessionAbsoluteTtlSeconds,
    },
  });
  return { accounts };
}
