import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  openRawSocket,
  type RawSocket,
  rest,
  signUp,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/** A room id of the right shape that names no room. */
const MISSING_ROOM = "01a20000-0000-7000-8000-000000000000";

/** Every field any room procedure takes, valid, so that each call gets past validation to its access check. */
const FIELDS = { body: "hello", name: "renamed", seq: 1 };

interface Operation {
  /** The tRPC path, from the REST operation's id ("rooms-get" is "rooms.get"). */
  procedure: string;
  method: string;
  path: string;
}

/** An answer reduced to what a caller can compare: status and body. */
type Answer = string;

/**
 * A closed room answers anyone who may not read it exactly as a missing room: same status,
 * same body, on every procedure that takes a room, over REST, tRPC over HTTP and WebSocket.
 */
describe("closed rooms are indistinguishable from missing ones", () => {
  let server: TestServer;
  let owner: TestUser;
  let stranger: TestUser;
  let kicked: TestUser;
  let roomId: string;
  let messageId: string;
  let operations: Operation[];

  beforeAll(async () => {
    server = await startTestServer();
    [owner, stranger, kicked] = await signUpMany(server.url, 3);
    roomId = (await createRoom(server.url, owner.token, { open: false, memberIds: [kicked.id] })).id;
    const sent = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: owner.token,
      body: { body: "secret" },
    });
    messageId = sent.body.message.id;
    await rest(server.url, "DELETE", `/rooms/${roomId}/members/${kicked.id}`, { token: owner.token });
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
    operations = Object.entries<Record<string, { operationId: string }>>(document.paths)
      .filter(([path]) => path.includes("{roomId}"))
      .flatMap(([path, item]) =>
        Object.entries(item).map(([method, op]) => ({
          procedure: op.operationId.replace(/-/g, "."),
          method: method.toUpperCase(),
          path,
        })),
      );
  });
  afterAll(() => server.stop());

  const inputFor = (room: string) => ({ roomId: room, userId: owner.id, messageId, ...FIELDS });

  async function viaRest(op: Operation, room: string, token: string | undefined): Promise<Answer> {
    const input = inputFor(room);
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: keyof typeof input) => String(input[name]));
    const res = await rest(server.url, op.method, path, {
      token,
      ...(op.method !== "GET" && op.method !== "DELETE" && { body: FIELDS }),
    });
    return `${res.status} ${JSON.stringify(res.body)}`;
  }

  async function viaTrpc(op: Operation, room: string, token: string | undefined): Promise<Answer> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const input = JSON.stringify(inputFor(room));
    const res =
      op.method === "GET"
        ? await fetch(`${server.url}/trpc/${op.procedure}?input=${encodeURIComponent(input)}`, { headers })
        : await fetch(`${server.url}/trpc/${op.procedure}`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: input,
          });
    return `${res.status} ${await res.text()}`;
  }

  /** Every call over one socket, answered in order; subscriptions by their first answer. */
  async function viaWebSocket(room: string, token: string | undefined): Promise<Answer[]> {
    const socket: RawSocket = await openRawSocket(server.url, token ? { token } : {});
    const calls: Array<[type: "query" | "mutation" | "subscription", procedure: string]> = [
      ...operations.map((op): ["query" | "mutation", string] => [
        op.method === "GET" ? "query" : "mutation",
        op.procedure,
      ]),
      ["subscription", "rooms.events"],
      ["subscription", "rooms.signals"],
    ];
    for (const [id, [type, procedure]] of calls.entries()) socket.call(id, type, procedure, inputFor(room));
    const answers = await Promise.all(
      calls.map(async (_, id) => {
        const answer = await socket.next((m) => {
          const parsed = JSON.parse(m);
          return parsed.id === id && (parsed.error !== undefined || parsed.result?.type !== "started");
        });
        return `${calls[id]?.[1]} ${answer}`;
      }),
    );
    socket.ws.close();
    return answers;
  }

  it("lists every procedure that takes a room", () => {
    expect(operations.length).toBeGreaterThanOrEqual(17);
  });

  for (const who of ["anonymous", "stranger", "kicked member"] as const) {
    const tokenOf = () => (who === "anonymous" ? undefined : who === "stranger" ? stranger.token : kicked.token);

    it(`answers ${who} the same over REST`, async () => {
      for (const op of operations) {
        const closed = await viaRest(op, roomId, tokenOf());
        expect(closed, `${op.method} ${op.path}`).toBe(await viaRest(op, MISSING_ROOM, tokenOf()));
        expect(closed).not.toContain("secret");
      }
    });

    it(`answers ${who} the same over tRPC HTTP`, async () => {
      for (const op of operations) {
        const closed = await viaTrpc(op, roomId, tokenOf());
        expect(closed, op.procedure).toBe(await viaTrpc(op, MISSING_ROOM, tokenOf()));
      }
    });

    it(`answers ${who} the same over WebSocket, subscriptions included`, async () => {
      expect(await viaWebSocket(roomId, tokenOf())).toEqual(await viaWebSocket(MISSING_ROOM, tokenOf()));
    });
  }

  it("leaves no trace of the room in the kicked member's listings and unread counts", async () => {
    for (const scope of ["joined", "all"]) {
      const res = await rest(server.url, "GET", `/rooms?scope=${scope}`, { token: kicked.token });
      expect(res.body.rooms.map((r: { id: string }) => r.id)).not.toContain(roomId);
    }
    const unread = await rest(server.url, "GET", "/me/unread", { token: kicked.token });
    expect(unread.body.rooms.map((r: { roomId: string }) => r.roomId)).not.toContain(roomId);
  });

  it("never lets a cursor made from the closed room's id reveal it", async () => {
    const cursor = Buffer.from(`rooms:${roomId}z`).toString("base64url");
    const other = await signUp(server.url);
    for (const query of [`cursor=${cursor}`, ""]) {
      const res = await rest(server.url, "GET", `/rooms?scope=all&limit=200&${query}`, { token: other.token });
      expect(res.status).toBe(200);
      expect(res.body.rooms.map((r: { id: string }) => r.id)).not.toContain(roomId);
    }
  });
});
