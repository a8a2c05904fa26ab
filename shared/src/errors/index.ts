export * from "./error-body.js";
export * from "./error-codes.js";
export * from "./natter-error.js";
