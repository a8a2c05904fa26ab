import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mutationBatch,
  openRawSocket,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

const LIMIT = 10;
const WRONG = "not the password";

/**
 * Password guesses must be bounded however they arrive: an attempt is counted before its
 * password is checked, so guesses in flight at once cannot all be checked.
 */
describe("password guesses sent at once", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      // The per-username throttle is under test here, not the per-address rate of log-ins.
      config: {
        loginMaxFailures: LIMIT,
        logInRatePerAddress: "100000/15m",
        wsMessagesPerSecond: 10_000,
        wsMessageBurst: 10_000,
      },
    });
  });
  afterAll(() => server.stop());

  const checked = (codes: readonly string[]) => codes.filter((code) => code !== "RATE_LIMITED");

  it(`check at most ${LIMIT} log-ins of one tRPC batch of 50, the right password last`, async () => {
    const user = await signUp(server.url);
    const inputs = Array.from({ length: 50 }, (_, i) => ({
      username: user.username,
      password: i === 49 ? user.password : WRONG,
    }));
    const outcomes = await mutationBatch(server.url, "auth.logIn", inputs);
    expect(outcomes).toHaveLength(50);
    expect(outcomes.filter((o) => o.ok)).toEqual([]);
    const codes = outcomes.map((o) => (o.ok ? "OK" : o.code));
    expect(checked(codes)).toHaveLength(LIMIT);
    expect(new Set(checked(codes))).toEqual(new Set(["INVALID_CREDENTIALS"]));
  });

  it(`check at most ${LIMIT} log-ins of 6 such batches at once`, async () => {
    const user = await signUp(server.url);
    const inputs = Array.from({ length: 50 }, () => ({ username: user.username, password: WRONG }));
    const batches = await Promise.all(Array.from({ length: 6 }, () => mutationBatch(server.url, "auth.logIn", inputs)));
    const codes = batches.flat().map((o) => (o.ok ? "OK" : o.code));
    expect(codes).toHaveLength(300);
    expect(checked(codes)).toHaveLength(LIMIT);
  });

  it(`check at most ${LIMIT} of 40 parallel REST log-ins, each refusal with Retry-After`, async () => {
    const user = await signUp(server.url);
    const answers = await Promise.all(
      Array.from({ length: 40 }, () =>
        rest(server.url, "POST", "/sessions", { body: { username: user.username, password: WRONG } }),
      ),
    );
    expect(answers.filter((a) => a.status === 401)).toHaveLength(LIMIT);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(40 - LIMIT);
    for (const answer of refused) {
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(answer.body.error.code).toBe("RATE_LIMITED");
    }
  });

  it(`check at most ${LIMIT} log-ins sent as WebSocket mutations at once`, async () => {
    const user = await signUp(server.url);
    const socket = await openRawSocket(server.url);
    const calls = Array.from({ length: 30 }, (_, i) => ({
      id: i + 1,
      method: "mutation",
      params: { path: "auth.logIn", input: { username: user.username, password: WRONG } },
    }));
    socket.ws.send(JSON.stringify(calls));
    const answers = await Promise.all(calls.map(({ id }) => socket.next((m) => JSON.parse(m).id === id)));
    const codes = answers.map((m) => JSON.parse(m).error?.data?.error?.code ?? "OK");
    expect(checked(codes)).toHaveLength(LIMIT);
    socket.ws.close();
  });

  it(`check at most ${LIMIT} current passwords of parallel password changes, over REST and a batch`, async () => {
    const user: TestUser = await signUp(server.url);
    const change = { currentPassword: WRONG, newPassword: "a brand new password" };
    const [restAnswers, batch] = await Promise.all([
      Promise.all(
        Array.from({ length: 20 }, () => rest(server.url, "PUT", "/me/password", { token: user.token, body: change })),
      ),
      mutationBatch(
        server.url,
        "auth.changePassword",
        Array.from({ length: 20 }, () => change),
        user.token,
      ),
    ]);
    const codes = [...restAnswers.map((a) => a.body.error.code as string), ...batch.map((o) => (o.ok ? "OK" : o.code))];
    expect(checked(codes)).toHaveLength(LIMIT);
    expect(new Set(checked(codes))).toEqual(new Set(["INVALID_CREDENTIALS"]));
    const refused = restAnswers.find((a) => a.status === 429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even the right current password waits for the window now.
    const right = await rest(server.url, "PUT", "/me/password", {
      token: user.token,
      body: { currentPassword: user.password, newPassword: "a brand new password" },
    });
    expect(right.status).toBe(429);
  });
});
