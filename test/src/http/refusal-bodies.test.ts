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

/**
 * Refusals that came without natter's error body: a tRPC subscription called over HTTP as a
 * query or with another method (200 and a 405 inside an event stream), and request headers
 * too large (a bare 431). Each is now its status with the body every other answer has.
 */
describe("refusals with natter's error body", () => {
  let server: TestServer;
  let owner: TestUser;
  let roomId: string;
  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUp(server.url);
    roomId = (await createRoom(server.url, owner.token)).id;
  });
  afterAll(() => server.stop());

  const auth = () => ({ authorization: `Bearer ${owner.token}` });
  const input = () => `input=${encodeURIComponent(JSON.stringify({ roomId }))}`;

  /** A 405 in tRPC's error shape, whose `data.error` is natter's body, as every /trpc refusal is. */
  const expectTrpcMethodNotAllowed = (answer: RawHttpResponse, what: string) => {
    expect(answer.status, what).toBe(405);
    expect(answer.headers["content-type"], what).toMatch(/^application\/json/);
    expect(answer.headers.allow, what).toBe("GET");
    const body = JSON.parse(answer.body);
    expect(body.error.data, what).toMatchObject({ httpStatus: 405, error: { code: "METHOD_NOT_ALLOWED" } });
    expect(body.error.message, what).toMatch(/subscription/);
  };

  it("answers GET /trpc/rooms.events asked as a query (no Accept: text/event-stream) 405 with the error body", async () => {
    for (const path of [`/trpc/rooms.events?${input()}`, "/trpc/rooms.events"]) {
      expectTrpcMethodNotAllowed(await rawHttp(server.url, "GET", path, { headers: auth(), streams: true }), path);
      expectTrpcMethodNotAllowed(
        await rawHttp(server.url, "GET", path, { headers: { ...auth(), accept: "application/json" }, streams: true }),
        `${path} asking for JSON`,
      );
    }
  });

  it("answers a subscription asked with another method 405 with the error body", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const answer = await rawHttp(server.url, method, "/trpc/rooms.events", {
        headers: { ...auth(), "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ roomId }),
        streams: true,
      });
      expectTrpcMethodNotAllowed(answer, method);
    }
  });

  it("still serves the subscription as Server-Sent Events to a GET that asks for them", async () => {
    const answer = await rawHttp(server.url, "GET", `/trpc/rooms.events?${input()}`, {
      headers: { ...auth(), accept: "text/event-stream" },
      streams: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toMatch(/^text\/event-stream/);
  });

  it("answers request headers too large 431 with the error body, and closes the connection", async () => {
    const answer = await rawHttp(server.url, "GET", "/api/v1/me", {
      headers: { ...auth(), "x-padding": "x".repeat(64 * 1024) },
    });
    expect(answer.status).toBe(431);
    expect(answer.headers["content-type"]).toMatch(/^application\/json/);
    expect(answer.headers.connection).toBe("close");
    expect(JSON.parse(answer.body)).toEqual({
      error: { code: "HEADERS_TOO_LARGE", message: expect.stringMatching(/header/i) },
    });
  });
});
