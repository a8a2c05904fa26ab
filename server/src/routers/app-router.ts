import type { Services } from "../services/services.js";
import { mergeRouters, router } from "../trpc/trpc.js";
import { createAdminRouter } from "./admin.js";
import { createAuthRouter } from "./auth.js";
import { createBotsRouter } from "./bots.js";
import { createDirectRoomsRouter } from "./direct-rooms.js";
import { createIncomingWebhooksRouter } from "./incoming-webhooks.js";
import { createMessagesRouter } from "./messages.js";
import { createPinsRouter } from "./pins.js";
import { createPushRouter } from "./push.js";
import { createReactionsRouter } from "./reactions.js";
import { createReceiptsRouter } from "./receipts.js";
import { createReportsRouter } from "./reports.js";
import { createRoomEventsRouter } from "./room-events.js";
import { createRoomSignalsRouter } from "./room-signals.js";
import { createRoomsRouter } from "./rooms.js";
import { createSearchRouter } from "./search.js";
import { createSessionsRouter } from "./sessions.js";
import { createUsersRouter } from "./users.js";
import { createWebhooksRouter } from "./webhooks.js";

/**
 * The whole API. Procedures close over the services, so the router's type names only
 * shared schemas and the request context: the client SDK can import it without
 * dragging the server's internals into its declarations.
 */
export function createAppRouter(services: Services) {
  return router({
    auth: createAuthRouter(services),
    users: createUsersRouter(services),
    rooms: mergeRouters(
      createRoomsRouter(services),
      createRoomEventsRouter(services),
      createRoomSignalsRouter(services),
      createPinsRouter(services),
      createReceiptsRouter(services),
    ),
    messages: mergeRouters(createMessagesRouter(services), createReactionsRouter(services)),
    dms: createDirectRoomsRouter(services),
    search: createSearchRouter(services),
    sessions: createSessionsRouter(services),
    admin: createAdminRouter(services),
    reports: createReportsRouter(services),
    webhooks: createWebhooksRouter(services),
    push: createPushRouter(services),
    bots: createBotsRouter(services),
    incomingWebhooks: createIncomingWebhooksRouter(services),
  });
}

/** The type of natter's router, for typed clients. */
export type AppRouter = ReturnType<typeof createAppRouter>;
