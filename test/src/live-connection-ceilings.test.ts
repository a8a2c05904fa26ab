import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  openRawSocket,
  type RawEventStream,
  type RawSocket,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "./harness/index.js";
import { waitFor } from "./messages/room-fixtures.js";
import { openStream, refusalOf } from "./sse/event-stream-fixtures.js";

/** Whether the server answers a call on `socket` (true), or closes it (its close code). */
async function answersOrCloses(socket: RawSocket): Promise<true | number> {
  socket.call(1, "query", "rooms.list", {});
  const answered = socket.next((m) => JSON.parse(m).id === 1).then(() => true as const);
  return Promise.race([answered, socket.closed.then((close) => close.code)]);
}

describe("one ceiling for both live transports", () => {
  let server: TestServer;
  let alice: TestUser;
  let roomId: string;
  const streams: RawEventStream[] = [];
  beforeAll(async () => {
    server = await startTestServer({ config: { wsMaxConnectionsPerAccount: 2, wsMaxConnectionsPerAddress: 4 } });
    alice = await signUp(server.url);
    roomId = (await createRoom(server.url, alice.token, { open: true })).id;
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await server.stop();
  });
  const open = async (token?: string) => {
    const stream = await openStream(server.url, roomId, token ? { token } : {});
    streams.push(stream);
    return stream;
  };

  it("counts an event stream as a connection of its account, and of its address", async () => {
    const first = await open(alice.token);
    const second = await open(alice.token);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await open(alice.token);
    expect([third.status, await refusalOf(third)]).toEqual([429, "RATE_LIMITED"]);

    // The address holds alice's two streams; anonymous ones fill the rest of its four.
    const anonymous = [await open(), await open()];
    expect(anonymous.map((stream) => stream.status)).toEqual([200, 200]);
    const beyond = await open();
    expect([beyond.status, await refusalOf(beyond)]).toEqual([429, "RATE_LIMITED"]);
    for (const stream of anonymous) stream.close();
    await waitFor("the anonymous streams' places given back", () => server.eventStreamStats().open === 2);

    // A WebSocket of the account finds its two places taken by streams...
    const refused = await openRawSocket(server.url, { token: alice.token });
    expect(await answersOrCloses(refused)).toBe(WS_CLOSE_CODES.tooManyConnections);
    // ...and takes the place a stream gives back.
    first.close();
    await waitFor("the stream's place given back", () => server.eventStreamStats().open === 1);
    const admitted = await openRawSocket(server.url, { token: alice.token });
    expect(await answersOrCloses(admitted)).toBe(true);
    admitted.ws.close();
  });
});
