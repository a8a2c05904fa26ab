import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, resolve } from "node:path";
import { type DatabaseEngine, dropAbandonedSqliteReindex, migrateToLatest, openDatabase } from "@natter/db";
import type { Logger } from "pino";
import type { OpenAPIObject } from "trpc-to-openapi";
import { type Clock, systemClock } from "./clock/clock.js";
import { composeServer } from "./composition-root.js";
import type { Config } from "./config/config.js";
import { answerClientError } from "./http/client-error.js";
import { createOpenApiDocument, REST_PREFIX, restOperationsOf } from "./http/openapi-document.js";
import { createRequestHandler } from "./http/request-handler.js";
import { requestIdOf } from "./http/request-id.js";
import { routePatternOf } from "./http/request-route.js";
import { type EventStreamStats, RoomEventStreams } from "./http/room-event-streams.js";
import { natterRoutes, TRPC_PREFIX } from "./http/routes.js";
import { LiveAdmission } from "./live/live-admission.js";
import { SessionConnections } from "./live/session-connections.js";
import { UploadAdmission } from "./live/upload-admission.js";
import { createLogger } from "./logger.js";
import { countLogins } from "./metrics/count-logins.js";
import { Metrics } from "./metrics/metrics.js";
import { QueryTimingPlugin } from "./metrics/query-timing-plugin.js";
import { createRouteLabeler } from "./metrics/route-label.js";
import { assertPortAvailable } from "./port-probe.js";
import { createAppRouter } from "./routers/app-router.js";
import type { Services } from "./services/services.js";
import { HttpDrain } from "./shutdown/http-drain.js";
import type { BlobStore } from "./uploads/blob-store.js";
import { DirectoryBlobStore } from "./uploads/directory-blob-store.js";
import { openBlobStore, uploadsDirOf } from "./uploads/open-blob-store.js";
import { SERVER_VERSION } from "./version.js";
import type { WebSocketStats } from "./ws/guarded-socket.js";

/** How often mutes past their end are looked for (those this node set end on time without it). */
const MUTE_SWEEP_INTERVAL_MS = 30 * 1000;

/** How often inbox entries past the resume window are pruned. */
const INBOX_PRUNE_INTERVAL_MS = 10 * 60 * 1000;

import { attachWebSocketServer } from "./ws/ws-server.js";

export interface StartOptions {
  config: Config;
  /** The time source; tests pass one they control. */
  clock?: Clock;
  logger?: Logger;
}

/** A running natter server. */
export interface NatterServer {
  /** The base URL it listens on, such as `http://127.0.0.1:3000`. */
  url: string;
  httpServer: Server;
  services: Services;
  /** What the WebSocket guards have seen: the most bytes a socket held unsent, drops. */
  webSocketStats(): Readonly<WebSocketStats>;
  /** What the rooms' event streams (SSE) have done so far: open now, deliveries, drops. */
  eventStreamStats(): Readonly<EventStreamStats>;
  /**
   * Stops accepting, answers the requests already read (each with `Connection: close`), closes
   * connections as they go idle and cuts the rest at `shutdownTimeoutMs`; then the database.
   */
  close(): Promise<void>;
}

/** Opens the database, applies migrations and listens on the configured port. */
export async function startNatterServer({ config, clock = systemClock, logger }: StartOptions): Promise<NatterServer> {
  const log = logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  await assertPortAvailable(config.host, config.port);
  const database = openDatabase(config.databaseUrl, { poolSize: config.dbPoolSize });
  const { applied } = await migrateToLatest(database);
  if (applied.length > 0) log.info({ applied }, "migrations applied");
  // Wall-clock time, as the rebuild stamps its state with (not the injectable clock).
  if (database.engine === "sqlite" && (await dropAbandonedSqliteReindex(database.db, Date.now()))) {
    log.warn("dropped the tables of an interrupted search reindex");
  }

  const metrics = new Metrics();
  // Bound to its label once: every query of every request is observed.
  const observeQuery = metrics.queryDuration.labels({ engine: database.engine }).observe;
  const db = database.db.withPlugin(new QueryTimingPlugin(observeQuery));
  const blobs = await openBlobStore(config);
  let composition: Awaited<ReturnType<typeof composeServer>>;
  try {
    composition = await composeServer({ db, engine: database.engine, clock, config, blobs, logger: log });
  } catch (error) {
    await blobs.close();
    await database.close();
    throw error;
  }
  const { services, revocations, ceilings, retention, muteExpiry, live, webhookWorker, pushWorker, logTails } =
    composition;
  // Live connections of every transport end with their session: at once when it is revoked,
  // at its expiry instant when it expires.
  const sessionConnections = new SessionConnections({ accounts: services.accounts, clock, logger: log });
  const stopRevocations = revocations.subscribe((sessionIds) => sessionConnections.close(sessionIds));
  // One admission for every live transport: the same ceilings, the same end with the session.
  const admission = new LiveAdmission({ ceilings, sessionConnections, accounts: services.accounts });
  const eventStreams = new RoomEventStreams({
    services,
    admission,
    trustedProxies: config.trustedProxies,
    heartbeatMs: config.eventStreamHeartbeatMs,
    maxBufferedBytes: config.wsMaxBufferedBytes,
  });
  countLogins(services.accounts, metrics);
  const sweeper = setInterval(() => {
    services.uploads.sweep().then(
      ({ unattached, orphaned }) => {
        if (unattached > 0) log.info({ deleted: unattached }, "unattached uploads deleted");
        if (orphaned > 0) log.warn({ deleted: orphaned }, "stored bytes no upload recorded deleted (left by a crash)");
      },
      (error: unknown) => log.error({ err: error }, "upload sweep failed"),
    );
  }, config.uploadSweepIntervalMs);
  sweeper.unref();
  const retentionTimer = retention
    ? setInterval(() => {
        retention.sweep().then(
          (deleted) => {
            if (deleted > 0) log.info({ deleted }, "messages past the retention deleted");
          },
          (error: unknown) => log.error({ err: error }, "message retention failed"),
        );
      }, config.messageRetentionIntervalMs)
    : undefined;
  retentionTimer?.unref();
  // Inbox entries past the resume window go a batch at a time; a resume from before them answers RESYNC_REQUIRED.
  const inboxPruner = setInterval(() => {
    services.inbox.prune().catch((error: unknown) => log.error({ err: error }, "inbox prune failed"));
  }, INBOX_PRUNE_INTERVAL_MS);
  inboxPruner.unref();
  // Mutes set on this node end on time by themselves; this catches those set on other nodes or before a restart.
  const muteSweeper = setInterval(() => {
    muteExpiry.sweep().catch((error: unknown) => log.error({ err: error }, "ending mutes past their end failed"));
  }, MUTE_SWEEP_INTERVAL_MS);
  muteSweeper.unref();
  const router = createAppRouter(services);
  // Made when first asked for: generating it took a good part of the start.
  let document: Promise<OpenAPIObject> | undefined;
  const openApiDocument = () => {
    document ??= createOpenApiDocument(router, SERVER_VERSION);
    return document;
  };
  const routeLabel = createRouteLabeler({
    restOperations: restOperationsOf(router),
    restPrefix: REST_PREFIX,
    trpcPrefix: TRPC_PREFIX,
    procedures: Object.keys(router._def.procedures),
  });
  const handle = createRequestHandler({
    routes: natterRoutes({
      router,
      services,
      db,
      engine: database.engine,
      logger: log,
      version: SERVER_VERSION,
      openApiDocument,
      metrics,
      metricsToken: config.metricsToken,
      readinessChecks: composition.readinessChecks,
      writtenDirectories: writtenDirectories(config, database.engine, blobs),
      uploadMaxBytes: config.uploadMaxBytes,
      uploadAdmission: new UploadAdmission({
        enabled: config.rateLimits === "on",
        maxPerAccount: config.uploadMaxConcurrentPerAccount,
        maxPerAddress: config.uploadMaxConcurrentPerAddress,
        idleTimeoutMs: config.uploadIdleTimeoutMs,
      }),
      trustedProxies: config.trustedProxies,
      eventStreams,
    }),
    config,
    logger: log,
  });

  const httpServer = createServer(
    {
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      // How often those two are checked: Node's 30 s would let a 10 s timeout run to 40.
      connectionsCheckingInterval: Math.min(1000, config.httpHeadersTimeoutMs),
    },
    (req, res) => {
      const started = performance.now();
      const reqId = requestIdOf(req);
      res.setHeader("X-Request-Id", reqId);
      // The path as the client asked for it, whatever a handler does with req.url.
      const path = (req.url ?? "").split("?")[0] ?? "";
      res.once("finish", () => {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        const method = req.method ?? "GET";
        metrics.observeRequest(routeLabel(method, routePatternOf(req), path), method, res.statusCode, ms / 1000);
        log.debug({ reqId, method: req.method, path, status: res.statusCode, ms }, "request");
      });
      drain.track(res, handle(req, res));
    },
  );
  // Requests Node cannot parse (headers too large, malformed) are answered with natter's error body.
  httpServer.on("clientError", answerClientError);
  const drain = new HttpDrain(httpServer);
  const ws = attachWebSocketServer({
    httpServer,
    router,
    services,
    config,
    logger: log,
    path: TRPC_PREFIX,
    admission,
  });
  metrics.observeLive({ connections: ws.connections, subscriptions: ws.subscriptions, totals: ws.stats });
  metrics.observeEventStreams(() => eventStreams.snapshot());
  metrics.observePush(() => pushWorker.totals());
  metrics.observeLogTails(logTails);
  live.register({ sockets: ws.connections, watchers: ws.watchers });
  // An event stream is a connection watching one room.
  live.register({ sockets: () => eventStreams.snapshot().open, watchers: () => eventStreams.snapshot().open });

  /** Stops the timers and the session checks, and ends the event streams: nothing new starts. */
  const stopBackground = () => {
    clearInterval(sweeper);
    clearInterval(retentionTimer);
    clearInterval(inboxPruner);
    clearInterval(muteSweeper);
    stopRevocations();
    sessionConnections.stop();
    // Streams never end by themselves: the server could not stop while one is open.
    eventStreams.closeAll();
  };
  /** Lets go of the shared state, the blob store and the database, once no transport uses them. */
  const releaseStores = async () => {
    await composition.close();
    await blobs.close();
    await database.close();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    // The port is taken or forbidden: release what was opened, so the caller can go on.
    stopBackground();
    await ws.close();
    await releaseStores();
    throw error;
  }
  const address = httpServer.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  if (config.webhookDelivery) webhookWorker.start();
  pushWorker.start();
  log.info({ url, database: database.engine }, "natter listening");

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const drained = drain.drain(config.shutdownTimeoutMs, () => ws.terminate());
      stopBackground();
      await Promise.race([ws.close(), drained]);
      const { cut, ms } = await drained;
      log.info({ ms, cut }, cut > 0 ? "connections cut at the shutdown deadline" : "connections drained");
      await Promise.all([webhookWorker.stop(), pushWorker.stop()]);
      await retention?.stop();
      await muteExpiry.stop();
      await releaseStores();
      log.info("natter stopped");
    })();
    return closing;
  };
  return {
    url,
    httpServer,
    services,
    webSocketStats: ws.stats,
    eventStreamStats: () => eventStreams.snapshot(),
    close,
  };
}

/** The directories on this machine the server writes to: the SQLite file's, the uploads'. */
function writtenDirectories(config: Config, engine: DatabaseEngine, blobs: BlobStore): string[] {
  const directories: string[] = [];
  const sqlitePath = config.databaseUrl.replace(/^file:/, "");
  if (engine === "sqlite" && sqlitePath !== ":memory:") directories.push(dirname(resolve(sqlitePath)));
  if (blobs instanceof DirectoryBlobStore) directories.push(uploadsDirOf(config));
  return directories;
}
