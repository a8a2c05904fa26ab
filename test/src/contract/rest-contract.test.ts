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
import { type ComparableAnswer, comparable, contractDifferences } from "./comparable.js";
import { type ReferenceServer, startReferenceServer } from "./reference-server.js";

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * The REST paths: the same corpus of calls to natter's REST transport and to trpc-to-openapi's
 * own handler mounted over the same router must be answered alike (status, the headers clients
 * read, the body with ids, times and counters blanked), but for the differences listed below.
 */
describe("REST, held to trpc-to-openapi's own handler", () => {
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
  const message = () => JSON.stringify({ body: "hello", clientMessageId: crypto.randomUUID() });

  const corpus: Record<string, () => Call> = {
    "a read": () => ({ method: "GET", path: "/api/v1/me", headers: auth() }),
    "a read with a path parameter": () => ({ method: "GET", path: `/api/v1/rooms/${roomId}`, headers: auth() }),
    "a read with query parameters": () => ({
      method: "GET",
      path: `/api/v1/rooms/${roomId}/messages?limit=5`,
      headers: auth(),
    }),
    "a query parameter that is not a number": () => ({
      method: "GET",
      path: `/api/v1/rooms/${roomId}/messages?limit=many`,
      headers: auth(),
    }),
    "an anonymous call of a signed-in procedure": () => ({ method: "GET", path: "/api/v1/me" }),
    "an ended token": () => ({ method: "GET", path: "/api/v1/me", headers: { authorization: "Bearer nat_gone" } }),
    "a path parameter that fails validation": () => ({ method: "GET", path: "/api/v1/rooms/x", headers: auth() }),
    "a refusal of the service (a closed room)": () => ({
      method: "GET",
      path: `/api/v1/rooms/${closedRoomId}`,
      headers: auth(),
    }),
    "a write": () => ({
      method: "POST",
      path: `/api/v1/rooms/${roomId}/messages`,
      headers: { ...auth(), ...json },
      body: message(),
    }),
    "a write whose body is not JSON": () => ({
      method: "POST",
      path: `/api/v1/rooms/${roomId}/messages`,
      headers: { ...auth(), ...json },
      body: "{",
    }),
    "a write whose body fails validation": () => ({
      method: "POST",
      path: `/api/v1/rooms/${roomId}/messages`,
      headers: { ...auth(), ...json },
      body: JSON.stringify({ body: 42 }),
    }),
    "a write with an unknown field": () => ({
      method: "POST",
      path: `/api/v1/rooms/${roomId}/messages`,
      headers: { ...auth(), ...json },
      body: JSON.stringify({ body: "hello", clientMessageId: crypto.randomUUID(), colour: "red" }),
    }),
    "a write of a room that does not exist": () => ({
      method: "POST",
      path: `/api/v1/rooms/${crypto.randomUUID()}/messages`,
      headers: { ...auth(), ...json },
      body: message(),
    }),
    "a method the path does not take": () => ({ method: "PUT", path: "/api/v1/me/sessions", headers: auth() }),
    "an unknown path": () => ({ method: "GET", path: "/api/v1/no/such/path", headers: auth() }),
    "a body over the size limit": () => ({
      method: "POST",
      path: `/api/v1/rooms/${roomId}/messages`,
      headers: { ...auth(), ...json },
      body: JSON.stringify({ body: "x".repeat(2 * 1024 * 1024) }),
    }),
  };

  const ask = (baseUrl: string, call: Call): Promise<RawHttpResponse> =>
    rawHttp(baseUrl, call.method, call.path, {
      headers: call.headers ?? {},
      ...(call.body !== undefined && { body: call.body }),
    });

  it("answers every call of the corpus as trpc-to-openapi's handler does, but for the differences listed", async () => {
    const differences: Record<string, unknown> = {};
    for (const [name, make] of Object.entries(corpus)) {
      const natter = await comparable(await ask(server.url, make()));
      const theirs = asNatterRendersIt(await comparable(await ask(reference.url, make())));
      const different = contractDifferences(name, natter, theirs);
      if (different) differences[name] = different;
    }
    expect(differences).toEqual(JUSTIFIED_REST_DIFFERENCES);
  });
});

/**
 * trpc-to-openapi's answer in the two forms natter documents for every REST answer, so that what
 * remains to compare is what was answered, not how it is spelled: an error is the `{ error }`
 * object trpc-to-openapi nests in `data.error` (natter's error formatter made it), alone, since
 * the tRPC envelope around it (`message`, tRPC's `code`, `data`, zod's raw `issues`) repeats it in
 * tRPC's terms that REST clients have no use for; and JSON names its charset.
 */
function asNatterRendersIt(answer: ComparableAnswer): ComparableAnswer {
  const headers = { ...answer.headers };
  if (headers["content-type"] === "application/json") headers["content-type"] = "application/json; charset=utf-8";
  const parsed = JSON.parse(answer.body) as { data?: { error?: unknown } } | null;
  const body = parsed?.data?.error === undefined ? answer.body : JSON.stringify({ error: parsed.data.error });
  return { ...answer, headers, body };
}

/**
 * Where natter's REST transport answers otherwise than trpc-to-openapi's handler on purpose, and
 * why. Anything else that differs fails the test.
 */
const JUSTIFIED_REST_DIFFERENCES: Record<string, unknown> = {
  // A POST that creates a resource answers 201 Created (RFC 9110 §15.3.2), as /openapi.json documents.
  "a write": { status: { natter: 201, theirs: 200 } },
  // trpc-to-openapi lets JSON.parse's SyntaxError through as a 500; a client's bad body is a 400.
  "a write whose body is not JSON": {
    status: { natter: 400, theirs: 500 },
    body: {
      natter: '{"error":{"code":"MALFORMED_REQUEST","message":"The request is not valid JSON"}}',
      theirs: '{"error":{"code":"INTERNAL","message":"Internal server error"}}',
    },
  },
  // RFC 6750: a 401 names the scheme to authenticate with, on every transport natter answers HTTP on.
  "an anonymous call of a signed-in procedure": {
    "www-authenticate": { natter: 'Bearer realm="natter"', theirs: undefined },
  },
  "an ended token": { "www-authenticate": { natter: 'Bearer realm="natter"', theirs: undefined } },
};
