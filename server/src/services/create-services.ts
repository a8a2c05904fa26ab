import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { LoginThrottle } from "../auth/login-throttle.js";
import { PasswordHasher } from "../auth/password-hasher.js";
import type { SessionRevocations } from "../auth/session-revocations.js";
import type { Config } from "../config/config.js";
import { InProcessRoomEventBus } from "../events/room-event-bus.js";
import { InProcessRoomSignalBus } from "../events/room-signal-bus.js";
import { AccountsService } from "./accounts-service.js";
import type { Clock } from "./clock.js";
import { MessagesService } from "./messages-service.js";
import { ProfilesService } from "./profiles-service.js";
import { RoomEventsService } from "./room-events-service.js";
import { RoomSignalsService } from "./room-signals-service.js";
import { RoomsService } from "./rooms-service.js";
import type { Services } from "./services.js";
import { SessionsService } from "./sessions-service.js";

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
    loginThrottle: new LoginThrottle({
      maxFailures: config.loginMaxFailures,
      windowSeconds: config.loginThrottleWindowSeconds,
    }),
    revocations,
    sessionPolicy: {
      idleTtlSeconds: config.sessionIdleTtlSeconds,
      absoluteTtlSeconds: config.sessionAbsoluteTtlSeconds,
    },
    signupOpen: config.signup === "open",
  });
  const events = new InProcessRoomEventBus();
  const rooms = new RoomsService({ db, clock, events });
  const messages = new MessagesService({ db, clock, events });
  const roomEvents = new RoomEventsService({ db, events });
  const roomSignals = new RoomSignalsService({ db, clock, events, signals: new InProcessRoomSignalBus() });
  const profiles = new ProfilesService({ db });
  const sessions = new SessionsService({ db, clock, revocations });
  return { accounts, events, rooms, messages, roomEvents, roomSignals, profiles, sessions };
}
