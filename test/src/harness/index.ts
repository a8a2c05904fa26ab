export * from "./manual-clock.js";
export * from "./rest.js";
export * from "./test-server.js";
export * from "./trpc-clients.js";
