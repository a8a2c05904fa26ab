import type { Services } from "../services/services.js";
import { router } from "../trpc/trpc.js";
import { createAuthRouter } from "./auth.js";
import { createUsersRouter } from "./users.js";

/**
 * The whole API. Procedures close over the services, so the router's type names only
 * shared schemas and the request context: the client SDK can import it without
 * dragging the server's internals into its declarations.
 */
export function createAppRouter(services: Services) {
  return router({
    auth: createAuthRouter(services),
    users: createUsersRouter(services),
  });
}

/** The type of natter's router, for typed clients. */
export type AppRouter = ReturnType<typeof createAppRouter>;
