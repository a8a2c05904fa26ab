import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  ManualClock,
  mutationBatch,
  openRawSocket,
  type RestResponse,
  rest,
  signUp,
  signUpMany,
  startTestServer,
  type TestServer,
  uniqueUsername,
} from "../harness/index.js";

const credentials = () => ({ username: uniqueUsername(), password: "correct horse battery" });
const statuses = (answers: readonly RestResponse[]) => answers.map((a) => a.status).sort();

function expectRefusal(answer: RestResponse | undefined, retryAfterSeconds: number): void {
  expect(answer?.status).toBe(429);
  expect(answer?.headers.get("retry-after")).toBe(String(retryAfterSeconds));
  expect(answer?.body).toEqual({ error: { code: "RATE_LIMITED", message: expect.any(String), retryAfterSeconds } });
}

/** Per-address and per-account rates of writes, counted alike over REST, tRPC batches and WebSocket. */
describe("write rate limits", () => {
  const clock = new ManualClock(Date.parse("2026-01-01T00:00:00Z"));
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: {
        signUpRatePerAddress: "4/1h",
        logInRatePerAddress: "6/15m",
        roomCreateRatePerAccount: "3/1h",
        roomCreateRatePerAddress: "5/1h",
        messageSendRatePerAccount: "4/1m",
        wsMessagesPerSecond: 10_000,
        wsMessageBurst: 10_000,
      },
    });
  });
  afterAll(() => server.stop());

  it("count sign-ups per address over REST and a tRPC batch sent at once, until the window ends", async () => {
    const [restAnswers, batch] = await Promise.all([
      Promise.all(Array.from({ length: 3 }, () => rest(server.url, "POST", "/users", { body: credentials() }))),
      mutationBatch(server.url, "auth.signUp", [credentials(), credentials(), credentials()]),
    ]);
    const created = restAnswers.filter((a) => a.status === 201).length + batch.filter((o) => o.ok).length;
    expect(created).toBe(4);
    expect(batch.filter((o) => !o.ok)).toEqual(
      Array.from({ length: 3 - batch.filter((o) => o.ok).length }, () => ({ ok: false, code: "RATE_LIMITED" })),
    );
    clock.advance(20 * 60_000);
    expectRefusal(await rest(server.url, "POST", "/users", { body: credentials() }), 40 * 60);
    clock.advance(40 * 60_000);
    expect((await rest(server.url, "POST", "/users", { body: credentials() })).status).toBe(201);
  });

  it("count log-ins per address whatever the usernames, so one client cannot lock out many accounts", async () => {
    const names = Array.from({ length: 10 }, () => uniqueUsername("target"));
    const answers = await Promise.all(
      names.map((username) => rest(server.url, "POST", "/sessions", { body: { username, password: "guess guess" } })),
    );
    expect(statuses(answers)).toEqual([...Array(6).fill(401), ...Array(4).fill(429)]);
    expectRefusal(
      answers.find((a) => a.status === 429),
      15 * 60,
    );
    clock.advance(15 * 60_000);
  });

  it("count room creations per account and per address, over REST and a tRPC batch", async () => {
    clock.advance(60 * 60_000);
    const [alice, bob] = [await signUp(server.url), await signUp(server.url)];
    const [restAnswers, batch] = await Promise.all([
      Promise.all(
        Array.from({ length: 2 }, () => rest(server.url, "POST", "/rooms", { token: alice.token, body: {} })),
      ),
      mutationBatch(server.url, "rooms.create", [{}, {}], alice.token),
    ]);
    const aliceCreated = restAnswers.filter((a) => a.status === 201).length + batch.filter((o) => o.ok).length;
    expect(aliceCreated).toBe(3);
    const refused = restAnswers.find((a) => a.status === 429);
    if (refused) expectRefusal(refused, 3600);
    else expect(batch.filter((o) => !o.ok)).toEqual([{ ok: false, code: "RATE_LIMITED" }]);

    // Bob has his own account's count, but shares the address's: 5 per hour in all.
    await createRoom(server.url, bob.token);
    await createRoom(server.url, bob.token);
    expectRefusal(await rest(server.url, "POST", "/rooms", { token: bob.token, body: {} }), 3600);
  });

  it("count message sends per account over REST, tRPC and WebSocket mutations alike", async () => {
    clock.advance(60 * 60_000);
    const carol = await signUp(server.url);
    const room = await createRoom(server.url, carol.token);
    const send = (body: string) =>
      rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: carol.token, body: { body } });
    expect((await send("one")).status).toBe(201);
    expect(await mutationBatch(server.url, "messages.send", [{ roomId: room.id, body: "two" }], carol.token)).toEqual([
      { ok: true, data: expect.anything() },
    ]);
    const socket = await openRawSocket(server.url, { token: carol.token });
    const calls = Array.from({ length: 5 }, (_, i) => ({
      id: i + 1,
      method: "mutation",
      params: { path: "messages.send", input: { roomId: room.id, body: `ws ${i}` } },
    }));
    socket.ws.send(JSON.stringify(calls));
    const answers = await Promise.all(calls.map(({ id }) => socket.next((m) => JSON.parse(m).id === id)));
    const codes = answers.map((m) => JSON.parse(m).error?.data?.error?.code ?? "OK").sort();
    expect(codes).toEqual(["OK", "OK", "RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED"]);
    socket.ws.close();
    expectRefusal(await send("five"), 60);

    const history = await rest(server.url, "GET", `/rooms/${room.id}/messages`, { token: carol.token });
    expect(history.body.messages).toHaveLength(4);
    clock.advance(60_000);
    expect((await send("after the window")).status).toBe(201);
  });
});

describe("write rate limits turned off (NATTER_RATE_LIMITS=off)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: {
        rateLimits: "off",
        signUpRatePerAddress: "1/1h",
        messageSendRatePerAccount: "1/1h",
        loginMaxFailures: 2,
      },
    });
  });
  afterAll(() => server.stop());

  it("let every write through, while the password throttle stays on", async () => {
    const [dave] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
    const room = await createRoom(server.url, dave.token);
    for (const body of ["a", "b", "c"]) {
      const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: dave.token, body: { body } });
      expect(sent.status).toBe(201);
    }
    const guesses = [];
    for (let i = 0; i < 3; i += 1) {
      guesses.push(
        await rest(server.url, "POST", "/sessions", { body: { username: dave.username, password: "wrong guess" } }),
      );
    }
    expect(guesses.map((g) => g.status)).toEqual([401, 401, 429]);
  });
});

describe("default write rate limits", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("let an office of 20 people behind one address sign up, log in, open rooms and chat at once", async () => {
    const people = await signUpMany(server.url, 20);
    const sessions = await Promise.all(
      people.map((p) =>
        rest(server.url, "POST", "/sessions", { body: { username: p.username, password: p.password } }),
      ),
    );
    expect(sessions.every((s) => s.status === 200)).toBe(true);
    const room = await createRoom(server.url, people[0].token, { open: true });
    const teamRooms = await Promise.all(people.slice(0, 10).map((p) => createRoom(server.url, p.token)));
    expect(teamRooms).toHaveLength(10);
    await Promise.all(people.map((p) => rest(server.url, "POST", `/rooms/${room.id}/join`, { token: p.token })));
    // A busy minute: everyone sends ten messages in quick bursts.
    const sends = await Promise.all(
      people.flatMap((p) =>
        Array.from({ length: 10 }, (_, i) =>
          rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: p.token, body: { body: `hi ${i}` } }),
        ),
      ),
    );
    expect(sends.filter((s) => s.status !== 201)).toEqual([]);
  });
});
