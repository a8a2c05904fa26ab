import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createRoom, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { blankPerCallValues } from "./comparable.js";
import { type ReferenceServer, startReferenceServer } from "./reference-server.js";

/** One WebSocket conversation: what is sent, and when the answers to it are all in. */
interface Exchange {
  /** Messages sent at once, or once that many answers have arrived (`[after, message]`). */
  send: (string | [after: number, message: string])[];
  /** The answers are complete once this many have arrived. */
  answers: number;
}

/**
 * tRPC over WebSocket: natter's own handler (which writes live events straight to the socket)
 * and tRPC's `applyWSSHandler` over the same router and database are sent the same JSON-RPC
 * messages, as `wsLink` sends them and as a broken client would, and must answer alike.
 */
describe("tRPC over WebSocket, held to tRPC's own adapter", () => {
  let server: TestServer;
  let reference: ReferenceServer;
  let alice: TestUser;
  let roomId: string;
  let closedRoomId: string;
  /** A room no exchange changes, whose last event is `lastSeq`. */
  let quietRoom: { id: string; lastSeq: number };

  beforeAll(async () => {
    server = await startTestServer();
    reference = await startReferenceServer(server);
    alice = await signUp(server.url);
    const bob = await signUp(server.url);
    roomId = (await createRoom(server.url, alice.token)).id;
    closedRoomId = (await createRoom(server.url, bob.token, { open: false })).id;
    const quietRoomId = (await createRoom(server.url, alice.token)).id;
    for (const body of ["one", "two", "three"]) {
      await rest(server.url, "POST", `/rooms/${quietRoomId}/messages`, { token: alice.token, body: { body } });
    }
    const { body } = await rest(server.url, "GET", `/rooms/${quietRoomId}`, { token: alice.token });
    quietRoom = body.room;
  });
  afterAll(async () => {
    await reference?.close();
    await server?.stop();
  });

  const signIn = () => JSON.stringify({ method: "connectionParams", data: { token: alice.token } });
  const stop = (id: number) => JSON.stringify({ id, method: "subscription.stop" });
  const call = (id: number, method: string, path: string, input?: unknown) =>
    JSON.stringify({ id, method, params: { path, input } });

  const corpus: Record<string, () => Exchange> = {
    "a query": () => ({ send: [signIn(), call(1, "query", "users.me")], answers: 1 }),
    "a mutation": () => ({
      send: [signIn(), call(1, "mutation", "rooms.update", { roomId, name: "renamed" })],
      answers: 1,
    }),
    "an input that fails validation": () => ({
      send: [signIn(), call(1, "query", "rooms.get", { roomId: "x" })],
      answers: 1,
    }),
    "a refusal of the service": () => ({
      send: [signIn(), call(1, "query", "rooms.get", { roomId: closedRoomId })],
      answers: 1,
    }),
    "an anonymous call of a signed-in procedure": () => ({
      send: [JSON.stringify({ method: "connectionParams", data: null }), call(1, "query", "users.me")],
      answers: 1,
    }),
    "an unknown procedure": () => ({ send: [signIn(), call(1, "query", "no.such.procedure")], answers: 1 }),
    "a message that is not JSON": () => ({ send: [signIn(), "{"], answers: 1 }),
    "a subscription stopped before it started": () => ({
      send: [signIn(), call(1, "subscription", "rooms.events", { roomId }), stop(1)],
      answers: 1,
    }),
    "a subscription's backlog, then its stop": () => ({
      send: [
        signIn(),
        call(1, "subscription", "rooms.events", { roomId: quietRoom.id, lastEventId: String(quietRoom.lastSeq - 2) }),
        [3, stop(1)],
      ],
      answers: 4,
    }),
    "a subscription resumed after an event id, as wsLink resumes it": () => ({
      send: [
        signIn(),
        JSON.stringify({
          id: 1,
          method: "subscription",
          params: { path: "rooms.events", input: { roomId: quietRoom.id }, lastEventId: "1" },
        }),
      ],
      answers: 3,
    }),
    "a subscription refused": () => ({
      send: [signIn(), call(1, "subscription", "rooms.events", { roomId: closedRoomId })],
      answers: 1,
    }),
  };

  it("answers every exchange of the corpus as tRPC's adapter does, but for the differences listed", async () => {
    const differences: Record<string, unknown> = {};
    for (const [name, make] of Object.entries(corpus)) {
      const exchange = make();
      const natter = await converse(server.url, exchange);
      const theirs = await converse(reference.url, exchange);
      if (JSON.stringify(natter) !== JSON.stringify(theirs)) differences[name] = { natter, theirs };
      else if (JSON.stringify(natter).includes('"incomplete"')) differences[name] = { bothIncomplete: natter };
    }
    expect(differences).toEqual({});
  });
});

/**
 * Opens a socket as `wsLink` does (connection params announced in the URL), sends the
 * exchange's messages and collects the answers (keep-alive pings aside) until there are as
 * many as it expects, with per-call values blanked.
 */
async function converse(baseUrl: string, { send, answers }: Exchange): Promise<unknown[]> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, "ws")}/trpc?connectionParams=1`);
  const received: unknown[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("open", () => resolve());
    });
    const complete = new Promise<void>((resolve, reject) => {
      socket.on("message", (data) => {
        const text = data.toString();
        if (text === "PING" || text === "PONG") return;
        try {
          received.push(JSON.parse(blankPerCallValues(text)));
        } catch (error) {
          reject(error);
        }
        for (const step of send) if (Array.isArray(step) && step[0] === received.length) socket.send(step[1]);
        if (received.length >= answers) resolve();
      });
      socket.once("close", () => reject(new Error(`socket closed after ${received.length} of ${answers} answers`)));
    });
    for (const step of send) if (typeof step === "string") socket.send(step);
    // An exchange one side never completes shows in the comparison as what did arrive.
    let timer: NodeJS.Timeout | undefined;
    const incomplete = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        received.push({ incomplete: `${received.length} of ${answers} answers in 5 s` });
        resolve();
      }, 5000);
    });
    await Promise.race([complete, incomplete]);
    clearTimeout(timer);
    return received;
  } finally {
    socket.terminate();
  }
}
