import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type RawHttpResponse,
  rawHttp,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { comparable, contractDifferences } from "./comparable.js";
import { type ReferenceServer, startReferenceServer } from "./reference-server.js";

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * tRPC over HTTP: the same corpus of calls to natter's transport (its fast path for plain
 * calls, tRPC's handler for the rest) and to tRPC's own `createHTTPHandler` over the same
 * router must be answered alike: status, the headers clients read, and the body (ids, times
 * and seqs aside, since each call creates its own rows).
 */
describe("tRPC over HTTP, held to tRPC's own adapter", () => {
  let server: TestServer;
  let reference: ReferenceServer;
  let alice: TestUser;
  let roomId: string;
  let closedRoomId: string;

  beforeAll(async () => {
    server = await startTestServer();
    reference = await startReferenceServer(server);
    alice = await signUp(server.url);
    const bob = await signUp(server.url);
    roomId = (await createRoom(server.url, alice.token)).id;
    closedRoomId = (await createRoom(server.url, bob.token, { open: false })).id;
  });
  afterAll(async () => {
    await reference?.close();
    await server?.stop();
  });

  const auth = () => ({ authorization: `Bearer ${alice.token}` });
  const json = { "content-type": "application/json" };
  const input = (value: unknown) => `input=${encodeURIComponent(JSON.stringify(value))}`;
  let sends = 0;
  const send = () => JSON.stringify({ roomId, body: "hello", clientMessageId: crypto.randomUUID(), n: sends++ });

  const corpus: Record<string, () => Call> = {
    "a query": () => ({ method: "GET", path: "/trpc/users.me", headers: auth() }),
    "a query with input": () => ({ method: "GET", path: `/trpc/rooms.get?${input({ roomId })}`, headers: auth() }),
    "an anonymous call of a signed-in procedure": () => ({ method: "GET", path: "/trpc/users.me" }),
    "an ended token": () => ({ method: "GET", path: "/trpc/users.me", headers: { authorization: "Bearer nat_gone" } }),
    "a query whose input is not JSON": () => ({ method: "GET", path: "/trpc/rooms.get?input=%7B", headers: auth() }),
    "a query whose input fails validation": () => ({
      method: "GET",
      path: `/trpc/rooms.get?${input({ roomId: "x" })}`,
      headers: auth(),
    }),
    "a refusal of the service (a closed room)": () => ({
      method: "GET",
      path: `/trpc/rooms.get?${input({ roomId: closedRoomId })}`,
      headers: auth(),
    }),
    "a mutation": () => ({
      method: "POST",
      path: "/trpc/messages.send",
      headers: { ...auth(), ...json },
      body: JSON.stringify({ roomId, body: "hello", clientMessageId: crypto.randomUUID() }),
    }),
    "a mutation whose body is not JSON": () => ({
      method: "POST",
      path: "/trpc/messages.send",
      headers: { ...auth(), ...json },
      body: "{",
    }),
    "a mutation with an unknown field": () => ({
      method: "POST",
      path: "/trpc/messages.send",
      headers: { ...auth(), ...json },
      body: send(),
    }),
    "a mutation asked with GET": () => ({ method: "GET", path: "/trpc/messages.send", headers: auth() }),
    "a query asked with POST": () => ({ method: "POST", path: "/trpc/users.me", headers: { ...auth(), ...json } }),
    "an unknown procedure": () => ({ method: "GET", path: "/trpc/no.such.procedure", headers: auth() }),
    "a batch": () => ({
      method: "GET",
      path: `/trpc/users.me,rooms.get?batch=1&${input({ 1: { roomId } })}`,
      headers: auth(),
    }),
    "a batch with one refusal": () => ({
      method: "GET",
      path: `/trpc/users.me,rooms.get?batch=1&${input({ 1: { roomId: closedRoomId } })}`,
      headers: auth(),
    }),
    "a streamed batch": () => ({
      method: "GET",
      path: `/trpc/users.me,rooms.get?batch=1&${input({ 1: { roomId } })}`,
      headers: { ...auth(), "trpc-accept": "application/jsonl" },
    }),
    "a body over the size limit": () => ({
      method: "POST",
      path: "/trpc/messages.send",
      headers: { ...auth(), ...json },
      body: JSON.stringify({ roomId, body: "x".repeat(2 * 1024 * 1024) }),
    }),
  };

  const ask = (baseUrl: string, call: Call): Promise<RawHttpResponse> =>
    rawHttp(baseUrl, call.method, call.path, {
      headers: call.headers ?? {},
      ...(call.body !== undefined && { body: call.body }),
    });

  it("answers every call of the corpus as tRPC's adapter does, but for the differences listed", async () => {
    const differences: Record<string, unknown> = {};
    for (const [name, make] of Object.entries(corpus)) {
      const call = make();
      const streamed = call.headers?.["trpc-accept"] === "application/jsonl";
      const natter = await comparable(await ask(server.url, call), streamed);
      const theirs = await comparable(await ask(reference.url, make()), streamed);
      const different = contractDifferences(name, natter, theirs);
      if (different) differences[name] = different;
    }
    expect(differences).toEqual(JUSTIFIED_HTTP_DIFFERENCES);
  });
});

/**
 * Where natter answers otherwise than tRPC's adapter on purpose, and why. Anything else that
 * differs fails the test.
 */
const JUSTIFIED_HTTP_DIFFERENCES: Record<string, unknown> = {
  // RFC 6750: a 401 names the scheme to authenticate with, on every transport natter answers HTTP on.
  "an anonymous call of a signed-in procedure": {
    "www-authenticate": { natter: 'Bearer realm="natter"', theirs: undefined },
  },
  "an ended token": { "www-authenticate": { natter: 'Bearer realm="natter"', theirs: undefined } },
};
