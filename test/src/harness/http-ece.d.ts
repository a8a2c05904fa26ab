/** The part of http_ece (no types of its own) the push service in the tests uses. */
declare module "http_ece" {
  import type { ECDH } from "node:crypto";

  interface DecryptParams {
    version: "aes128gcm" | "aesgcm" | "aesgcm128";
    /** The receiver's key pair: the sender's public key comes in the aes128gcm header. */
    privateKey: ECDH;
    /** The subscription's 16-byte auth secret (base64url or a Buffer). */
    authSecret: string | Buffer;
  }

  export function decrypt(buffer: Buffer, params: DecryptParams): Buffer;
}
