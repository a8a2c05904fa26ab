import { createServer } from "node:net";
import { createNatterClient, isNatterError, isNetworkFailure, type NatterClient } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, startTestServer, type TestServer, uniqueUsername } from "../harness/index.js";

const PASSWORD = "correct horse battery";

describe("@natter/client accounts", () => {
  let server: TestServer;
  const clients: NatterClient[] = [];
  const connect = (token?: string) => {
    const tokens: Array<string | null> = [];
    const client = createNatterClient({ url: server.url, token: token ?? null, onTokenChange: (t) => tokens.push(t) });
    clients.push(client);
    return { client, tokens };
  };
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  });

  it("signs up, keeps the token, and answers who the user is", async () => {
    const { client, tokens } = connect();
    const username = uniqueUsername("sdk");
    const result = await client.signUp(username, PASSWORD);
    expect(result.user.username).toBe(username);
    expect(client.token).toBe(result.token);
    expect(tokens).toEqual([result.token]);
    const { user } = await client.trpc.users.me.query();
    expect(user).toEqual({ ...result.user, isAdmin: false, directMessages: "everyone", shareReadReceipts: true });
  });

  it("logs out everywhere and forgets the token; logs in again with a new one", async () => {
    const { client, tokens } = connect();
    const username = uniqueUsername("sdk");
    const first = await client.signUp(username, PASSWORD);
    await client.logOut();
    expect(client.token).toBeNull();
    expect((await rest(server.url, "GET", "/me", { token: first.token })).status).toBe(401);
    await expect(client.trpc.users.me.query()).rejects.toSatisfy((err) => isNatterError(err, "UNAUTHENTICATED"));

    const second = await client.logIn(username.toUpperCase(), PASSWORD);
    expect(second.token).not.toBe(first.token);
    expect((await client.trpc.users.me.query()).user.id).toBe(first.user.id);
    expect(tokens).toEqual([first.token, null, second.token]);
  });

  it("starts signed in from a stored token", async () => {
    const { client: signedUp } = connect();
    const { token, user } = await signedUp.signUp(uniqueUsername("sdk"), PASSWORD);
    const { client } = connect(token);
    expect((await client.trpc.users.me.query()).user.id).toBe(user.id);
  });

  it("tells natter's refusals apart by code, typed", async () => {
    const { client } = connect();
    const username = uniqueUsername("sdk");
    await client.signUp(username, PASSWORD);

    const taken = await client.signUp(username, PASSWORD).catch((err: unknown) => err);
    expect(isNatterError(taken, "USERNAME_TAKEN")).toBe(true);
    expect(isNatterError(taken, "INVALID_CREDENTIALS")).toBe(false);
    expect(isNetworkFailure(taken)).toBe(false);

    const wrong = await client.logIn(username, "not the password").catch((err: unknown) => err);
    if (!isNatterError(wrong, "INVALID_CREDENTIALS")) throw new Error(`expected INVALID_CREDENTIALS, got ${wrong}`);
    expect(wrong.data.error.code).toBe("INVALID_CREDENTIALS");
    expect(wrong.data.httpStatus).toBe(401);
    expect(client.token).not.toBeNull();

    const invalid = await client.signUp("x", "short").catch((err: unknown) => err);
    if (!isNatterError(invalid, "VALIDATION_FAILED")) throw new Error(`expected VALIDATION_FAILED, got ${invalid}`);
    expect(invalid.data.error.issues?.map((issue) => issue.path).sort()).toEqual(["password", "username"]);

    expect(isNatterError(new Error("plain"))).toBe(false);
    expect(isNatterError(undefined)).toBe(false);
  });

  it("reports an unreachable server as a network failure, not as natter's answer", async () => {
    const port = await closedPort();
    const client = createNatterClient({ url: `http://127.0.0.1:${port}` });
    clients.push(client);
    const error = await client.logIn("someone", PASSWORD).catch((err: unknown) => err);
    expect(isNetworkFailure(error)).toBe(true);
    expect(isNatterError(error)).toBe(false);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
