import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type RawHttpResponse,
  rawHttp,
  signUp,
  startTestServer,
  type TestServer,
} from "../harness/index.js";

/** The parts of an error answer that say how it was rendered, not what it says. */
function rendering({ headers, body }: RawHttpResponse) {
  return {
    contentType: headers["content-type"],
    contentLength: headers["content-length"],
    nosniff: headers["x-content-type-options"],
    referrerPolicy: headers["referrer-policy"],
    bodyKeys: Object.keys(JSON.parse(body)),
  };
}

/**
 * REST errors leave through the same renderer as every other error natter answers (the
 * guards', its own routes'): one body `{error}`, the same headers, whichever part raised them.
 */
describe("REST errors", () => {
  let server: TestServer;
  let user: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    server = await startTestServer();
    user = await signUp(server.url);
  });
  afterAll(() => server.stop());

  it("are rendered like the guards' errors, by procedures and by the REST router alike", async () => {
    const auth = { authorization: `Bearer ${user.token}` };
    const guard = await rawHttp(server.url, "GET", "/api/v1/rooms/%2e%2e", { headers: auth });
    expect(guard.status).toBe(400);
    const expected = { ...rendering(guard), contentLength: expect.stringMatching(/^\d+$/) };

    const closed = await createRoom(server.url, (await signUp(server.url)).token, { open: false });
    const answers = {
      "a procedure's NatterError": await rawHttp(server.url, "GET", `/api/v1/rooms/${closed.id}`, { headers: auth }),
      "an input validation failure": await rawHttp(server.url, "POST", "/api/v1/rooms", {
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ name: 42 }),
      }),
      "an ended token": await rawHttp(server.url, "GET", "/api/v1/me", { headers: { authorization: "Bearer nat_x" } }),
      "a path no operation serves": await rawHttp(server.url, "GET", "/api/v1/no-such-thing", { headers: auth }),
    };
    const codes = Object.fromEntries(
      Object.entries(answers).map(([what, answer]) => [what, [answer.status, JSON.parse(answer.body).error.code]]),
    );
    expect(codes).toEqual({
      "a procedure's NatterError": [404, "ROOM_NOT_FOUND"],
      "an input validation failure": [400, "VALIDATION_FAILED"],
      "an ended token": [401, "UNAUTHENTICATED"],
      "a path no operation serves": [404, "NOT_FOUND"],
    });
    for (const [what, answer] of Object.entries(answers)) {
      expect(rendering(answer), what).toEqual(expected);
      expect(Number(answer.headers["content-length"]), what).toBe(Buffer.byteLength(answer.body));
    }
    expect(answers["an ended token"].headers["www-authenticate"]).toMatch(/^Bearer /);
  });
});
