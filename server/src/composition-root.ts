import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import { PasswordGuessThrottle } from "./auth/password-guess-throttle.js";
import { PasswordHasher } from "./auth/password-hasher.js";
import { SessionRevocations } from "./auth/session-revocations.js";
import type { Clock } from "./clock/clock.js";
import type { Config } from "./config/config.js";
import { InProcessRoomEventBus } from "./events/room-event-bus.js";
import { InProcessRoomSignalBus } from "./events/room-signal-bus.js";
import { InProcessRateLimitStore } from "./rate-limit/in-process-rate-limit-store.js";
import { WriteLimits } from "./rate-limit/write-limits.js";
import { AccountsService } from "./services/accounts-service.js";
import { AdminService } from "./services/admin/admin-service.js";
import { LiveFigures } from "./services/admin/live-figures.js";
import { MessagesService } from "./services/messages-service.js";
import { ProfilesService } from "./services/profiles-service.js";
import { RoomEventsService } from "./services/room-events-service.js";
import { RoomSignalsService } from "./services/room-signals-service.js";
import { RoomsService } from "./services/rooms/rooms-service.js";
import type { Services } from "./services/services.js";
import { SessionsService } from "./services/sessions-service.js";
import { UploadsService } from "./services/uploads-service.js";
import type { BlobStore } from "./uploads/blob-store.js";
import { UploadQuota } from "./uploads/upload-quota.js";

export interface CompositionDeps {
  db: Kysely<Database>;
  clock: Clock;
  config: Config;
  /** Where uploaded bytes are kept: opened beforehand (`openBlobStore`), as opening is asynchronous. */
  blobs: BlobStore;
}

/** What one server is built from; transports take their parts from here. */
export interface Composition {
  services: Services;
  /** Ended sessions, so open sockets of a logged-out session close at once. */
  revocations: SessionRevocations;
  /** Where each live transport registers its open connections and watchers, for the statistics. */
  live: LiveFigures;
}

/**
 * The one place that chooses how shared state is kept (event and signal buses, session
 * revocations, the stores the password throttles and write rate limits count in, the password
 * hasher, blob storage, the upload quota) and builds the services on it.
 * Only `natter-server.ts` imports this module; everything else receives what it needs.
 */
export function composeServer({ db, clock, config, blobs }: CompositionDeps): Composition {
  const events = new InProcessRoomEventBus();
  const signals = new InProcessRoomSignalBus();
  const revocations = new SessionRevocations();
  // Separate stores, so that a flood of one kind of key cannot fill the room of another.
  const throttleStore = new InProcessRateLimitStore();
  const rateLimitStore = new InProcessRateLimitStore();
  const passwordGuesses = { maxAttempts: config.loginMaxFailures, windowSeconds: config.loginThrottleWindowSeconds };
  const hasher = new PasswordHasher();

  const accounts = new AccountsService({
    db,
    clock,
    hasher,
    loginThrottle: new PasswordGuessThrottle({
      store: throttleStore,
      policy: passwordGuesses,
      keyPrefix: "login:username:",
      refusal: "Too many failed log-ins for this username; try again later",
    }),
    passwordChangeThrottle: new PasswordGuessThrottle({
      store: throttleStore,
      policy: passwordGuesses,
      keyPrefix: "password-change:user:",
      refusal: "Too many wrong current passwords; try again later",
    }),
    revocations,
    sessionPolicy: {
      idleTtlSeconds: config.sessionIdleTtlSeconds,
      absoluteTtlSeconds: config.sessionAbsoluteTtlSeconds,
    },
    signupOpen: config.signup === "open",
  });
  const live = new LiveFigures();
  const services: Services = {
    accounts,
    admin: new AdminService({ db, clock, accounts, revocations, live }),
    events,
    rooms: new RoomsService({ db, clock, events }),
    messages: new MessagesService({ db, clock, events, blobs }),
    roomEvents: new RoomEventsService({ db, events }),
    roomSignals: new RoomSignalsService({ db, clock, events, signals }),
    profiles: new ProfilesService({ db }),
    sessions: new SessionsService({ db, clock, revocations }),
    uploads: new UploadsService({
      db,
      clock,
      blobs,
      quota: new UploadQuota({ bytesPerWindow: config.uploadBytesPerHour, windowSeconds: 3600 }),
      maxBytes: config.uploadMaxBytes,
      unattachedTtlSeconds: config.uploadUnattachedTtlSeconds,
    }),
    writeLimits: new WriteLimits({
      store: rateLimitStore,
      clock,
      enabled: config.rateLimits === "on",
      rules: {
        signUp: { perAddress: config.signUpRatePerAddress },
        logIn: { perAddress: config.logInRatePerAddress },
        roomCreate: { perAccount: config.roomCreateRatePerAccount, perAddress: config.roomCreateRatePerAddress },
        messageSend: { perAccount: config.messageSendRatePerAccount, perAddress: config.messageSendRatePerAddress },
        adminWrite: { perAccount: config.adminWriteRatePerAccount },
      },
    }),
  };
  return { services, revocations, live };
}
