export * from "./format/index.js";
export * from "./text-rules.js";
