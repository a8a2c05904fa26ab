export * from "./manual-clock.js";
export * from "./raw-socket.js";
export * from "./rest.js";
export * from "./rooms.js";
export * from "./seeded-random.js";
export * from "./test-server.js";
export * from "./trpc-clients.js";
export * from "./users.js";
