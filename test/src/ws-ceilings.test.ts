import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  openRawSocket,
  type RawSocket,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "./harness/index.js";

/** Sockets a test opened, closed after it. */
const opened: RawSocket[] = [];
async function open(url: string, token?: string): Promise<RawSocket> {
  const socket = await openRawSocket(url, token ? { token } : {});
  opened.push(socket);
  return socket;
}

/** Whether the server answers a call on `socket` (true), or closes it (its close code). */
async function answersOrCloses(socket: RawSocket, id: number): Promise<true | number> {
  socket.call(id, "query", "rooms.list", {});
  const answered = socket.next((m) => JSON.parse(m).id === id).then(() => true as const);
  return Promise.race([answered, socket.closed.then((close) => close.code)]);
}

/** Starts `count` subscriptions on `socket`; answers how many started and the codes of those refused. */
async function subscribe(socket: RawSocket, roomId: string, firstId: number, count: number) {
  const ids = Array.from({ length: count }, (_, i) => firstId + i);
  for (const id of ids) socket.call(id, "subscription", "rooms.events", { roomId });
  const isAnswer = (id: number) => (message: string) => {
    const parsed = JSON.parse(message);
    return parsed.id === id && (parsed.result?.type === "started" || parsed.error !== undefined);
  };
  const answers = await Promise.all(ids.map(async (id) => JSON.parse(await socket.next(isAnswer(id)))));
  return {
    started: answers.filter((a) => a.result?.type === "started").length,
    refused: answers.flatMap((a) => (a.error ? [a.error.data.error.code as string] : [])),
  };
}

describe("WebSocket ceilings", () => {
  let server: TestServer;
  let owner: TestUser;
  let roomId: string;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        wsMaxConnectionsPerAddress: 6,
        wsMaxConnectionsPerAccount: 3,
        wsMaxSubscriptionsPerAccount: 5,
        wsMaxAnonymousSubscriptionsPerAddress: 4,
      },
    });
    owner = await signUp(server.url);
    roomId = (await createRoom(server.url, owner.token, { open: true })).id;
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    for (const socket of opened.splice(0)) socket.ws.close();
  });

  it("close a client address's connection past its ceiling with tooManyConnections, and admit again once one closes", async () => {
    const sockets = await Promise.all(Array.from({ length: 6 }, () => open(server.url)));
    expect(await Promise.all(sockets.map((s, i) => answersOrCloses(s, i + 1)))).toEqual(Array(6).fill(true));
    const extra = await open(server.url);
    expect(await extra.closed).toEqual({ code: WS_CLOSE_CODES.tooManyConnections, reason: expect.any(String) });

    sockets[0]?.ws.close();
    await sockets[0]?.closed;
    // The server frees the slot when it sees the close: a retry succeeds once it has.
    let admitted: true | number = WS_CLOSE_CODES.tooManyConnections;
    for (let attempt = 0; admitted !== true && attempt < 100; attempt += 1) {
      admitted = await answersOrCloses(await open(server.url), 1);
    }
    expect(admitted).toBe(true);
  });

  it("close an account's connection past its ceiling with tooManyConnections", async () => {
    const user = await signUp(server.url);
    const sockets = await Promise.all(Array.from({ length: 3 }, () => open(server.url, user.token)));
    expect(await Promise.all(sockets.map((s, i) => answersOrCloses(s, i + 1)))).toEqual([true, true, true]);
    const extra = await open(server.url, user.token);
    expect(await answersOrCloses(extra, 1)).toBe(WS_CLOSE_CODES.tooManyConnections);
    // Other accounts are not affected.
    expect(await answersOrCloses(await open(server.url, owner.token), 1)).toBe(true);
  });

  it("refuse an account's subscriptions past its ceiling over all its connections", async () => {
    const user = await signUp(server.url);
    const [first, second] = await Promise.all([open(server.url, user.token), open(server.url, user.token)]);
    if (!first || !second) throw new Error("no sockets");
    expect(await subscribe(first, roomId, 1, 3)).toEqual({ started: 3, refused: [] });
    expect(await subscribe(second, roomId, 1, 4)).toEqual({ started: 2, refused: ["RATE_LIMITED", "RATE_LIMITED"] });
    // Stopping one frees its slot.
    first.ws.send(JSON.stringify({ id: 1, method: "subscription.stop" }));
    let retried = { started: 0, refused: [] as string[] };
    for (let id = 100; retried.started === 0 && id < 200; id += 1) retried = await subscribe(second, roomId, id, 1);
    expect(retried.started).toBe(1);
  });

  it("refuse anonymous subscriptions of one address past their ceiling", async () => {
    const [first, second] = await Promise.all([open(server.url), open(server.url)]);
    if (!first || !second) throw new Error("no sockets");
    expect(await subscribe(first, roomId, 1, 3)).toEqual({ started: 3, refused: [] });
    expect(await subscribe(second, roomId, 1, 2)).toEqual({ started: 1, refused: ["RATE_LIMITED"] });
  });
});

describe("WebSocket ceilings turned off (NATTER_RATE_LIMITS=off)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off", wsMaxConnectionsPerAddress: 1 } });
  });
  afterAll(() => server.stop());
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.ws.close();
  });

  it("admit every connection", async () => {
    const sockets = await Promise.all(Array.from({ length: 4 }, () => open(server.url)));
    expect(await Promise.all(sockets.map((s, i) => answersOrCloses(s, i + 1)))).toEqual([true, true, true, true]);
  });
});
