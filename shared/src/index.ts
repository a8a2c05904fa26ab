export * from "./errors/index.js";
export * from "./limits.js";
export * from "./schemas/index.js";
export * from "./text/index.js";
export * from "./ws-close-codes.js";
