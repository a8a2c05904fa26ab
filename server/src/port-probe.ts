import { createServer } from "node:net";

/**
 * Fails as listening would (EADDRINUSE, EACCES) when the port cannot be had, before anything
 * slow or lasting happens: migrations must not run for a server that cannot start. Port 0
 * (any free port) always passes.
 */
export async function assertPortAvailable(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.listen({ host, port, exclusive: true }, () => resolve());
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
