import type { Database, DatabaseEngine } from "@natter/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { PasswordGuessThrottle } from "./auth/password-guess-throttle.js";
import { PasswordHasher } from "./auth/password-hasher.js";
import { RedisSessionRevocations } from "./auth/redis-session-revocations.js";
import { SessionCache } from "./auth/session-cache.js";
import { InProcessSessionRevocations, type SessionRevocations } from "./auth/session-revocations.js";
import type { Clock } from "./clock/clock.js";
import type { Config } from "./config/config.js";
import type { InboxEntry } from "./events/inbox-log.js";
import { RedisInboxBus } from "./events/redis-inbox-bus.js";
import { RedisRoomEventBus } from "./events/redis-room-event-bus.js";
import { RedisRoomSignalBus } from "./events/redis-room-signal-bus.js";
import { InProcessLogBus, InProcessRoomEventBus, type LogBus, type RoomEventBus } from "./events/room-event-bus.js";
import { InProcessRoomSignalBus, type RoomSignalBus } from "./events/room-signal-bus.js";
import type { ReadinessCheck } from "./http/readiness.js";
import { type AccountSlotCounters, ConnectionCeilings } from "./live/connection-ceilings.js";
import { RedisCountedSlots } from "./live/redis-counted-slots.js";
import type { LogTailTotals } from "./metrics/metrics.js";
import { GuardedPoster } from "./outbound/guarded-post.js";
import { OutboundUrlPolicy } from "./outbound/outbound-url-policy.js";
import { WebPushSender } from "./outbound/web-push-sender.js";
import { WebhookSender } from "./outbound/webhook-sender.js";
import { InProcessRateLimitStore } from "./rate-limit/in-process-rate-limit-store.js";
import type { RateLimitStore } from "./rate-limit/rate-limit-store.js";
import { RedisRateLimitStore } from "./rate-limit/redis-rate-limit-store.js";
import { WriteLimits } from "./rate-limit/write-limits.js";
import { NodeRegistry } from "./redis/node-registry.js";
import { RedisConnection } from "./redis/redis-connection.js";
import { RedisWakeChannel } from "./redis/redis-wake-channel.js";
import { AccountDataService } from "./services/account-data/account-data-service.js";
import { AccountDeletion } from "./services/account-data/account-deletion.js";
import { AccountsService } from "./services/accounts/accounts-service.js";
import { ApiKeyAuth } from "./services/accounts/api-key-auth.js";
import { ProfilesService } from "./services/accounts/profiles-service.js";
import { SessionsService } from "./services/accounts/sessions-service.js";
import { AdminService } from "./services/admin/admin-service.js";
import { LiveFigures } from "./services/admin/live-figures.js";
import { BotsService } from "./services/bots/bots-service.js";
import { IncomingWebhooksService } from "./services/bots/incoming-webhooks-service.js";
import { PinsService } from "./services/conversations/pins-service.js";
import { ReactionsService } from "./services/conversations/reactions-service.js";
import { ReadReceipts } from "./services/conversations/read-receipts.js";
import { ThreadsService } from "./services/conversations/threads-service.js";
import { BlocksService } from "./services/direct/blocks-service.js";
import { DirectRoomsService } from "./services/direct/direct-rooms-service.js";
import { InboxService } from "./services/inbox/inbox-service.js";
import { MessageRetention } from "./services/messages/message-retention.js";
import { MessagesService } from "./services/messages/messages-service.js";
import { BlockedTermsService } from "./services/moderation/blocked-terms-service.js";
import { PushDeliveryWorker } from "./services/push/push-delivery-worker.js";
import { PushSubscriptionsService } from "./services/push/push-subscriptions-service.js";
import { loadVapidKeys } from "./services/push/vapid-keys.js";
import { ReportsService } from "./services/reports/reports-service.js";
import { EventStreamTicketsService } from "./services/room-events/event-stream-tickets-service.js";
import { RoomEventsService } from "./services/room-events/room-events-service.js";
import { RoomSignalsService } from "./services/room-events/room-signals-service.js";
import { RoomWriter } from "./services/room-writes/room-writer.js";
import { MuteExpiry } from "./services/rooms/mute-expiry.js";
import { RoomsService } from "./services/rooms/rooms-service.js";
import { SearchService } from "./services/search/search-service.js";
import type { Services } from "./services/services.js";
import { UploadsService } from "./services/uploads/uploads-service.js";
import { WebhookDeliveryWorker } from "./services/webhooks/webhook-delivery-worker.js";
import { WebhooksService } from "./services/webhooks/webhooks-service.js";
import type { BlobStore } from "./uploads/blob-store.js";
import { UploadQuota } from "./uploads/upload-quota.js";

/** What the push policy's refusals name. */
const PUSH_ENDPOINT = { what: "Push endpoint", field: "endpoint", who: "push notifications" };

/**
 * How often a node with Redis reads the newest seq of the rooms (and inboxes) watched on it, to find
 * events whose publish was lost: a lost event reaches watchers within three intervals (1.5 s
 * plus a query), inside the 2 s the API promises, at one indexed query per 500 quiet rooms.
 */
const ROOM_LOG_TAIL_INTERVAL_MS = 500;

/**
 * Callers kept resolved, by token: at most this many, each served for at most a second without
 * the database (the bound, as for a socket's close, on a revocation Redis failed to pass on).
 */
const SESSION_CACHE = { maxEntries: 10_000, ttlMs: 1_000 };

export interface CompositionDeps {
  db: Kysely<Database>;
  /** The engine behind `db`: how room changes are serialised depends on it. */
  engine: DatabaseEngine;
  clock: Clock;
  config: Config;
  /** Where uploaded bytes are kept: opened beforehand (`openBlobStore`), as opening is asynchronous. */
  blobs: BlobStore;
  logger: Logger;
}

/** What one server is built from; transports take their parts from here. */
export interface Composition {
  services: Services;
  /** Ended sessions, so open sockets of a logged-out session close at once. */
  revocations: SessionRevocations;
  /** Where each live transport registers its open connections and watchers, for the statistics. */
  live: LiveFigures;
  /**
   * What live connections and subscriptions are admitted, over WebSocket and event streams
   * alike: per address on this node, per account across every node when Redis is shared.
   */
  ceilings: ConnectionCeilings;
  /** Sends the webhook outbox; started once the server listens, stopped before the database closes. */
  webhookWorker: WebhookDeliveryWorker;
  /** Sends the push outbox; started once the server listens, stopped before the database closes. */
  pushWorker: PushDeliveryWorker;
  /** Deletes messages past `NATTER_MESSAGE_RETENTION_DAYS`; undefined when that is off. */
  retention: MessageRetention | undefined;
  /** Logs `member.unmuted` for mutes that reached their end; swept on a timer, stopped before the database closes. */
  muteExpiry: MuteExpiry;
  /** What `/readyz` asks besides the database. */
  readinessChecks: ReadinessCheck[];
  /** What this node read from the logs for other nodes' publishes it never heard; none in one process. */
  logTails: () => LogTailTotals;
  /** Lets go of what the shared state holds (Redis connections, timers); call after the transports closed. */
  close(): Promise<void>;
}

/** The shared state of one node: in this process, or shared with every node on Redis. */
interface SharedState {
  events: RoomEventBus;
  /** Users' inbox entries: the same kind of bus as rooms', keyed by user. */
  inbox: LogBus<InboxEntry>;
  signals: RoomSignalBus;
  revocations: SessionRevocations;
  throttleStore: RateLimitStore;
  rateLimitStore: RateLimitStore;
  accountSlots: AccountSlotCounters | undefined;
  /** Where nodes that do not deliver webhooks tell those that do of the deliveries they queued; none in one process. */
  webhooksQueued: RedisWakeChannel | undefined;
  readinessChecks: ReadinessCheck[];
  logTails: () => LogTailTotals;
  close(): Promise<void>;
}

/**
 * The one place that chooses how shared state is kept (event and signal buses, session
 * revocations, the stores the password throttles, write rate limits and upload byte allowance
 * count in, account connection ceilings, the password hasher, blob storage) and builds the
 * services on it: in this process, or, with `redisUrl`, on Redis for every node on it.
 * Only `natter-server.ts` imports this module; everything else receives what it needs.
 */
export async function composeServer({
  db,
  engine,
  clock,
  config,
  blobs,
  logger,
}: CompositionDeps): Promise<Composition> {
  const shared = config.redisUrl ? await redisState(config.redisUrl, db, config, logger) : inProcessState();
  const { events, inbox, signals, revocations, throttleStore, rateLimitStore } = shared;
  const webhookPolicy = new OutboundUrlPolicy(config.webhookAllowPrivateNetworks);
  const webhookSender = new WebhookSender(new GuardedPoster(webhookPolicy, config.webhookTimeoutMs));
  const webhookWorker = new WebhookDeliveryWorker({
    db,
    engine,
    clock,
    sender: webhookSender,
    logger,
    timeoutMs: config.webhookTimeoutMs,
    pollIntervalMs: config.webhookPollIntervalMs,
  });
  // A node that does not deliver leaves its writes' deliveries to the other nodes, woken over
  // Redis where there is one (their polls find an outbox they saw empty only every tenth time).
  const { webhooksQueued } = shared;
  const onWebhooksQueued = config.webhookDelivery ? () => webhookWorker.wake() : () => webhooksQueued?.wake();
  if (config.webhookDelivery) await webhooksQueued?.listen(() => webhookWorker.wake());
  const ceilings = new ConnectionCeilings(
    {
      enabled: config.rateLimits === "on",
      maxConnectionsPerAddress: config.wsMaxConnectionsPerAddress,
      maxConnectionsPerAccount: config.wsMaxConnectionsPerAccount,
      maxSubscriptionsPerAccount: config.wsMaxSubscriptionsPerAccount,
      maxAnonymousSubscriptionsPerAddress: config.wsMaxAnonymousSubscriptionsPerAddress,
    },
    shared.accountSlots,
  );
  const vapid = await loadVapidKeys(
    db,
    { publicKey: config.vapidPublicKey, privateKey: config.vapidPrivateKey, subject: config.vapidSubject },
    clock.now(),
  );
  const pushPolicy = new OutboundUrlPolicy(config.pushAllowPrivateNetworks, PUSH_ENDPOINT);
  const pushPoster = new GuardedPoster(pushPolicy, config.pushTimeoutMs);
  const pushWorker = new PushDeliveryWorker({
    db,
    engine,
    clock,
    sender: new WebPushSender(pushPoster, vapid),
    connected: { isConnected: (userId) => ceilings.isWatching(userId) },
    logger,
    timeoutMs: config.pushTimeoutMs,
    pollIntervalMs: config.pushPollIntervalMs,
  });
  const onPushQueued = () => pushWorker.nudge();
  const writer = new RoomWriter({ db, engine, clock, events, inbox, onWebhooksQueued, onPushQueued });
  // Revocations reach it from every node at once; the TTL bounds what only the database knows.
  const sessionCache = new SessionCache(revocations, SESSION_CACHE);
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
    apiKeys: new ApiKeyAuth({ db, clock }),
    sessionCache,
  });
  const live = new LiveFigures();
  const receipts = new ReadReceipts({ db, clock, signals, windows: rateLimitStore, logger });
  const admin = new AdminService({
    db,
    clock,
    accounts,
    revocations,
    live,
    uploadStorageMaxBytes: config.uploadStorageMaxBytes ?? null,
  });
  const blockedTerms = new BlockedTermsService({ db, clock });
  const muteExpiry = new MuteExpiry({
    db,
    writer,
    clock,
    onError: (error) => logger.error({ err: error }, "ending mutes past their end failed"),
  });
  const rooms = new RoomsService({ db, writer, clock, textFilter: blockedTerms, muteExpiry });
  const messages = new MessagesService({
    textFilter: blockedTerms,
    db,
    writer,
    blobs,
    clock,
    receipts,
    inbox,
    // After the commit, not holding the answer: a lost stop lapses with the indicator's TTL.
    // Debug only: during a Redis outage every send would say so, and the outage is logged already.
    onSent: (roomId, authorId) => {
      signals.stopTyping(roomId, authorId).catch((error: unknown) => {
        logger.debug({ err: error, roomId }, "typing indicator not ended after a send; it lapses by itself");
      });
    },
  });
  const profiles = new ProfilesService({ db, textFilter: blockedTerms });
  const deletion = new AccountDeletion({ db, writer, blobs, clock, revocations, mode: config.accountDeletion });
  const accountData = new AccountDataService({ db, clock, accounts, profiles, deletion });
  const base: Omit<Services, "incomingWebhooks"> = {
    accounts,
    accountData,
    admin,
    events,
    rooms,
    directRooms: new DirectRoomsService({ db, writer }),
    blocks: new BlocksService({ db, clock }),
    messages,
    reports: new ReportsService({ db, clock, messages, rooms, admin }),
    reactions: new ReactionsService({ db, writer }),
    pins: new PinsService({ db, writer }),
    threads: new ThreadsService({ db }),
    receipts,
    roomEvents: new RoomEventsService({ db, events }),
    inbox: new InboxService({ db, clock, inbox }),
    eventStreamTickets: new EventStreamTicketsService({
      db,
      clock,
      accounts,
      ttlSeconds: config.eventStreamTicketTtlSeconds,
    }),
    roomSignals: new RoomSignalsService({ db, clock, events, signals }),
    profiles,
    blockedTerms,
    search: new SearchService({ db, engine, clock }),
    webhooks: new WebhooksService({ db, clock, policy: webhookPolicy, onQueued: onWebhooksQueued }),
    push: new PushSubscriptionsService({ db, engine, clock, policy: pushPolicy, vapid }),
    bots: new BotsService({ db, clock, hasher, revocations, deletion }),
    sessions: new SessionsService({ db, clock, revocations }),
    uploads: new UploadsService({
      db,
      clock,
      blobs,
      quota: new UploadQuota({
        store: rateLimitStore,
        bytesPerWindow: config.uploadBytesPerHour,
        bytesPerWindowPerAddress: config.uploadBytesPerHourPerAddress,
        windowSeconds: 3600,
      }),
      maxBytes: config.uploadMaxBytes,
      storageMaxBytes: config.uploadStorageMaxBytes,
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
        botSend: { perAccount: config.botSendRatePerAccount, perAddress: config.messageSendRatePerAddress },
        incomingWebhook: {
          perAccount: config.incomingWebhookRatePerHook,
          perAddress: config.messageSendRatePerAddress,
        },
        eventStreamTicket: { perAccount: config.eventStreamTicketRatePerAccount },
        adminWrite: { perAccount: config.adminWriteRatePerAccount },
        search: { perAccount: config.searchRatePerAccount, perAddress: config.searchRatePerAddress },
        dataExport: { perAccount: config.dataExportRatePerAccount },
        pushSubscribe: { perAccount: config.pushSubscribeRatePerAccount },
      },
    }),
  };
  const services: Services = {
    ...base,
    incomingWebhooks: new IncomingWebhooksService({
      db,
      clock,
      hasher,
      rooms: base.rooms,
      messages: base.messages,
    }),
  };
  const { messageRetentionDays: retentionDays } = config;
  const retention =
    retentionDays === undefined
      ? undefined
      : new MessageRetention({ messages: services.messages, clock, retentionDays });
  return {
    services,
    revocations,
    live,
    ceilings,
    retention,
    muteExpiry,
    webhookWorker,
    pushWorker,
    readinessChecks: shared.readinessChecks,
    logTails: shared.logTails,
    close: async () => {
      webhookSender.close();
      pushPoster.close();
      receipts.close();
      sessionCache.close();
      await shared.close();
    },
  };
}

function inProcessState(): SharedState {
  return {
    events: new InProcessRoomEventBus(),
    inbox: new InProcessLogBus<InboxEntry>((entry) => entry.userId),
    signals: new InProcessRoomSignalBus(),
    revocations: new InProcessSessionRevocations(),
    // Separate stores, so that a flood of one kind of key cannot fill the room of another.
    throttleStore: new InProcessRateLimitStore(),
    rateLimitStore: new InProcessRateLimitStore(),
    accountSlots: undefined,
    webhooksQueued: undefined,
    readinessChecks: [],
    // One process publishes to itself: nothing can be lost on the way.
    logTails: () => ({ roomEvents: 0, inboxEntries: 0 }),
    close: async () => {},
  };
}

/** Connects to Redis and registers this node before anything is served. */
async function redisState(url: string, db: Kysely<Database>, config: Config, logger: Logger): Promise<SharedState> {
  const redis = await RedisConnection.open(url, config.redisPrefix);
  const ttlMs = config.nodeTtlMs;
  const nodes = new NodeRegistry(redis, ttlMs, (error) => logger.error({ err: error }, "node heartbeat failed"));
  try {
    await nodes.start();
    const events = new RedisRoomEventBus(redis, db, logger, ROOM_LOG_TAIL_INTERVAL_MS);
    const inbox = new RedisInboxBus(redis, db, logger, ROOM_LOG_TAIL_INTERVAL_MS);
    const signals = new RedisRoomSignalBus({ redis, nodes, logger, ttlMs });
    const revocations = await RedisSessionRevocations.open(redis, logger);
    const slots = (namespace: string, max: number) =>
      new RedisCountedSlots({ redis, nodes, logger, namespace, max, ttlMs });
    // Once per outage second at most: every request would log it otherwise.
    let fallbackLoggedAt = 0;
    const onRedisFallback = (error: unknown) => {
      if (Date.now() - fallbackLoggedAt < 1_000) return;
      fallbackLoggedAt = Date.now();
      logger.warn({ err: error }, "Redis unreachable: rate limits count on this node alone");
    };
    const connections = slots("ws-connections", config.wsMaxConnectionsPerAccount);
    const subscriptions = slots("ws-subscriptions", config.wsMaxSubscriptionsPerAccount);
    logger.info({ node: redis.nodeId, prefix: config.redisPrefix }, "sharing state on Redis");
    return {
      events,
      inbox,
      signals,
      revocations,
      throttleStore: new RedisRateLimitStore(redis, "throttle", new InProcessRateLimitStore(), onRedisFallback),
      rateLimitStore: new RedisRateLimitStore(redis, "rate", new InProcessRateLimitStore(), onRedisFallback),
      accountSlots: { connections, subscriptions },
      webhooksQueued: new RedisWakeChannel(redis, "webhooks-queued", logger),
      readinessChecks: [{ name: "redis", check: () => redis.ping() }],
      logTails: () => ({ roomEvents: events.entriesReadFromLog, inboxEntries: inbox.entriesReadFromLog }),
      close: async () => {
        events.close();
        inbox.close();
        signals.close();
        revocations.close();
        connections.close();
        subscriptions.close();
        await nodes.stop().catch(() => {});
        await redis.close();
      },
    };
  } catch (error) {
    await nodes.stop().catch(() => {});
    await redis.close();
    throw error;
  }
}
