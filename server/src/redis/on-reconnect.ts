import type { Redis } from "ioredis";

/** Calls `listener` each time `client` is ready again after its connection was lost (not at the first connect). */
export function onReconnect(client: Redis, listener: () => void): void {
  let lost = false;
  client.on("close", () => {
    lost = true;
  });
  client.on("ready", () => {
    if (!lost) return;
    lost = false;
    listener();
  });
}
