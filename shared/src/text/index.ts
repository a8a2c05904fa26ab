export * from "./text-rules.js";
