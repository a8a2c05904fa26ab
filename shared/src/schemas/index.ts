export * from "./auth.js";
export * from "./common.js";
export * from "./message.js";
export * from "./room.js";
export * from "./room-event.js";
export * from "./user.js";
