/**
 * A random id for one message, for `clientMessageId`. Browsers offer `crypto.randomUUID`
 * only on secure pages (https, localhost); elsewhere 128 random bits in hex serve as well.
 */
export function newClientMessageId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
