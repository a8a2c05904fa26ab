/**
 * Runs `call` `count` times with `inFlight` calls at once (each of `inFlight` loops starts the
 * next call when its last one answered), as a client with that many keep-alive connections.
 */
export async function runInFlight(count: number, inFlight: number, call: () => Promise<void>): Promise<void> {
  let started = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (started < count) {
        started += 1;
        await call();
      }
    }),
  );
}
