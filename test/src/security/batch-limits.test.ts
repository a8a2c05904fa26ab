import { LIMITS, WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, openRawSocket, signUp, startTestServer, type TestServer } from "../harness/index.js";

/** A tRPC HTTP batch of `count` calls of `rooms.get`, as one GET request. */
function roomsGetBatch(url: string, roomId: string, count: number, token: string) {
  const paths = Array.from({ length: count }, () => "rooms.get").join(",");
  const input = Object.fromEntries(Array.from({ length: count }, (_, i) => [i, { roomId }]));
  return fetch(`${url}/trpc/${paths}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

/**
 * One request, or one WebSocket message, must not buy unbounded work: batches are capped,
 * and every call of a batched WebSocket message counts against the connection's rate.
 */
describe("batched calls", () => {
  const BURST = 20;
  let server: TestServer;
  let token: string;
  let roomId: string;
  beforeAll(async () => {
    // A refill this slow adds no token while the test runs.
    server = await startTestServer({ config: { wsMessageBurst: BURST, wsMessagesPerSecond: 0.001 } });
    token = (await signUp(server.url)).token;
    roomId = (await createRoom(server.url, token)).id;
  });
  afterAll(() => server.stop());

  it(`answers an HTTP batch of up to ${LIMITS.maxBatchCalls} calls, and refuses a larger one whole`, async () => {
    const within = await roomsGetBatch(server.url, roomId, LIMITS.maxBatchCalls, token);
    expect(within.status).toBe(200);
    expect(await within.json()).toHaveLength(LIMITS.maxBatchCalls);

    const over = await roomsGetBatch(server.url, roomId, LIMITS.maxBatchCalls + 1, token);
    expect(over.status).toBe(400);
    expect(((await over.json()) as any).error.data.error).toEqual({
      code: "MALFORMED_REQUEST",
      message: "Batch call exceeds maximum size",
    });
  });

  it("counts every call of a batched WebSocket message against the connection's rate", async () => {
    const socket = await openRawSocket(server.url, { token });
    const calls = Array.from({ length: 5 * BURST }, (_, i) => ({
      id: i + 1,
      method: "query",
      params: { path: "rooms.get", input: { roomId } },
    }));
    socket.ws.send(JSON.stringify(calls));
    const { code } = await socket.closed;
    expect(code).toBe(WS_CLOSE_CODES.rateLimited);
    const answered = socket.messages.filter((m) => JSON.parse(m).result?.data?.room !== undefined);
    expect(answered).toEqual([]);
  });

  it("still answers a batched message within the rate", async () => {
    const socket = await openRawSocket(server.url, { token });
    const calls = Array.from({ length: BURST / 2 }, (_, i) => ({
      id: i + 1,
      method: "query",
      params: { path: "rooms.get", input: { roomId } },
    }));
    socket.ws.send(JSON.stringify(calls));
    for (const { id } of calls) await socket.next((m) => JSON.parse(m).id === id);
    expect(socket.messages).toHaveLength(calls.length);
    socket.ws.close();
  });
});
