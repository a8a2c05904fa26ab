/**
 * A random id for one message, for `clientMessageId`. Browsers offer `crypto.randomUUID`
 * only on secure pages (https, localhost); elsewhere 128 random bits in hex serve as well.
 * React Native has no `crypto` unless the app adds a polyfill: there the id is drawn from
 * `Math.random`, which is enough, since the server scopes the id to its room and author (it
 * makes a retry idempotent; it is no secret).
 */
/** The parts of the Web Crypto API used here, each of which a runtime may lack. */
interface WebCrypto {
  randomUUID?: () => string;
  getRandomValues?: (array: Uint8Array) => Uint8Array;
}

export function newClientMessageId(): string {
  const webCrypto = (globalThis as { crypto?: WebCrypto }).crypto;
  if (typeof webCrypto?.randomUUID === "function") return webCrypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof webCrypto?.getRandomValues === "function") webCrypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
