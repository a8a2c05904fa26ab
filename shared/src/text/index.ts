export * from "./nul-characters.js";
export * from "./text-rules.js";
