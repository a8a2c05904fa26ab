export type { AuthSession } from "./auth/auth-session.js";
export { type Clock, systemClock } from "./clock/clock.js";
export { type Config, ConfigError, type ConfigInput, loadConfig } from "./config/config.js";
export { createLogger } from "./logger.js";
export { type NatterServer, type StartOptions, startNatterServer } from "./natter-server.js";
export { type AppRouter, createAppRouter } from "./routers/app-router.js";
export { setServerAdmin } from "./services/admin/server-admins.js";
export type { RequestContext } from "./trpc/context.js";
export type { WebSocketStats } from "./ws/guarded-socket.js";
