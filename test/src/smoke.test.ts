import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, startTestServer, type TestServer } from "./harness/index.js";

describe("a fresh server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("signs a user up and tells them who they are", async () => {
    const alice = await signUp(server.url);
    const me = await rest(server.url, "GET", "/me", { token: alice.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: alice.id, username: alice.username });
  });
});
