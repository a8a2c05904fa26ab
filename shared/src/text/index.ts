export * from "./format/index.js";
export * from "./nul-characters.js";
export * from "./text-rules.js";
