export * from "./format-tree.js";
export * from "./mentions-in.js";
export * from "./parse-message-body.js";
