import { createNatterClient, isNatterError } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, signUp, startTestServer, type TestServer } from "../harness/index.js";

/** `sendMessage` waits out a 429's `Retry-After` and sends once; a send with retries off is refused. */
describe("@natter/client sendMessage under the send rate", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { messageSendRatePerAccount: "1/2s" } });
  });
  afterAll(() => server.stop());

  it("is sent once the wait natter names has passed, exactly once", async () => {
    const user = await signUp(server.url);
    const room = await createRoom(server.url, user.token);
    const client = createNatterClient({ url: server.url, token: user.token });
    try {
      await client.sendMessage(room.id, "first");
      const refused = await client.sendMessage(room.id, "no retries", { maxAttempts: 1 }).catch((error) => error);
      expect(isNatterError(refused, "RATE_LIMITED")).toBe(true);
      const retries: number[] = [];
      const second = await client.sendMessage(room.id, "second", { onRetry: ({ attempt }) => retries.push(attempt) });
      expect(second.body).toBe("second");
      expect(retries).toEqual([1]);
      const history = await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, {
        headers: { authorization: `Bearer ${user.token}` },
      });
      const { messages } = (await history.json()) as { messages: Array<{ body: string }> };
      expect(messages.map((m) => m.body).sort()).toEqual(["first", "second"]);
    } finally {
      await client.close();
    }
  });
});
