import { afterAll, afterEach, beforeAll } from "vitest";
import { startTestServer, type TestServer, wsClientPool } from "../harness/index.js";

/**
 * One server for a test file (rate limits off: tests react, reply and mark read far faster
 * than people), and its WebSocket clients, closed after each test.
 */
export function conversationServer() {
  let server: TestServer | undefined;
  const started = () => {
    if (!server) throw new Error("the server starts in beforeAll");
    return server;
  };
  const sockets = wsClientPool(() => started().url);
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off" } });
  });
  afterEach(sockets.closeAll);
  afterAll(() => server?.stop());
  return {
    get url() {
      return started().url;
    },
    /** A tRPC client over a WebSocket, signed in with `token` or anonymous. */
    connect: (token?: string) => sockets.connect(token).client,
  };
}
