import { LIMITS, WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRawSocket, signUp, startTestServer, type TestServer, UpgradeRefused } from "./harness/index.js";

/** A `users.me` query padded with whitespace to exactly `bytes` bytes. */
function paddedCall(bytes: number): string {
  const call = JSON.stringify({ id: 1, method: "query", params: { path: "users.me" } });
  return call.slice(0, -1) + " ".repeat(bytes - call.length) + call.slice(-1);
}

const answersTo = (id: number) => (message: string) => message.startsWith("{") && JSON.parse(message).id === id;

describe("WebSocket message size", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("answers a message of exactly the limit", async () => {
    const socket = await openRawSocket(server.url);
    socket.ws.send(paddedCall(LIMITS.maxWebSocketMessageBytes));
    const answer = JSON.parse(await socket.next(answersTo(1)));
    expect(answer.error.data.error.code).toBe("UNAUTHENTICATED");
    socket.ws.close();
  });

  it("closes the connection with messageTooBig (1009) on a larger one", async () => {
    const socket = await openRawSocket(server.url);
    socket.ws.send(paddedCall(LIMITS.maxWebSocketMessageBytes + 1));
    expect((await socket.closed).code).toBe(WS_CLOSE_CODES.messageTooBig);
    expect(socket.messages).toEqual([]);
  });
});

describe("WebSocket heartbeat", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { wsPingMs: 100, wsPongWaitMs: 100 } });
  });
  afterAll(() => server.stop());

  it("cuts off a peer that stops answering PINGs, without a close frame", async () => {
    const silent = await openRawSocket(server.url);
    expect(await silent.next((message) => message === "PING")).toBe("PING");
    expect((await silent.closed).code).toBe(1006);
  });
});

describe("WebSocket heartbeat with a peer that answers", () => {
  let server: TestServer;
  // PINGs as often as above, but a PONG may take 5 s: the sweep that cuts a silent peer off runs
  // in the timers phase, before a PONG that arrived during a pause of the process is read, so a
  // wait as short as the ping interval would cut off an answering peer whenever the shared test
  // process stalls that long (once in CI on 2026-12-06).
  beforeAll(async () => {
    server = await startTestServer({ config: { wsPingMs: 100, wsPongWaitMs: 5_000 } });
  });
  afterAll(() => server.stop());

  it("keeps the connection open, PING after PING", async () => {
    const alive = await openRawSocket(server.url);
    alive.ws.on("message", (data) => {
      if (data.toString() === "PING") alive.ws.send("PONG");
    });
    await alive.next(() => alive.messages.filter((message) => message === "PING").length >= 5);
    alive.call(7, "query", "users.me");
    expect(JSON.parse(await alive.next(answersTo(7))).error.data.error.code).toBe("UNAUTHENTICATED");
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    alive.ws.close();
  });
});

describe("WebSocket origins", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { allowedOrigins: "https://app.example, https://admin.example" } });
  });
  afterAll(() => server.stop());

  it.each([
    ["an allowed origin", "https://app.example"],
    ["another allowed origin", "https://admin.example"],
    ["no Origin header (not a browser)", undefined],
  ])("accepts %s", async (_, origin) => {
    const socket = await openRawSocket(server.url, origin ? { origin } : {});
    socket.call(1, "query", "users.me");
    expect(JSON.parse(await socket.next(answersTo(1))).error.data.error.code).toBe("UNAUTHENTICATED");
    socket.ws.close();
  });

  it("accepts the server's own origin", async () => {
    const socket = await openRawSocket(server.url, { origin: server.url });
    socket.ws.close();
  });

  it.each([
    ["another site", "https://evil.example"],
    ["an allowed host on another scheme", "http://app.example"],
    ["a malformed origin", "not a url"],
  ])("refuses %s with 403 before upgrading", async (_, origin) => {
    const refused = await openRawSocket(server.url, { origin }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect((refused as UpgradeRefused).status).toBe(403);
  });
});

describe("WebSocket message rate", () => {
  const BURST = 5;
  let server: TestServer;
  beforeAll(async () => {
    // A refill this slow adds no token while the test runs.
    server = await startTestServer({ config: { wsMessageBurst: BURST, wsMessagesPerSecond: 0.001 } });
  });
  afterAll(() => server.stop());

  it("answers a burst within the limit, then closes with rateLimited (1008) and drops the rest", async () => {
    const { token } = await signUp(server.url);
    const socket = await openRawSocket(server.url, { token });
    // The connectionParams message took one token.
    for (let id = 1; id <= 20; id += 1) socket.call(id, "query", "users.me");
    const { code } = await socket.closed;
    expect(code).toBe(WS_CLOSE_CODES.rateLimited);
    const answered = socket.messages.filter((message) => message.startsWith("{")).map((m) => JSON.parse(m));
    expect(answered.map((answer) => answer.id).sort((a, b) => a - b)).toEqual([1, 2, 3, 4].slice(0, answered.length));
    expect(answered.length).toBeLessThan(BURST);
    for (const answer of answered) expect(answer.result.data.user.username).toBeTypeOf("string");
    expect(server.webSocketStats().rateLimited).toBeGreaterThanOrEqual(1);
  });

  it("leaves other connections alone", async () => {
    const socket = await openRawSocket(server.url);
    socket.call(1, "query", "users.me");
    expect(JSON.parse(await socket.next(answersTo(1))).error.data.error.code).toBe("UNAUTHENTICATED");
    socket.ws.close();
  });
});
