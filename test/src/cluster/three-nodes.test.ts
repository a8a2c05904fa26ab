import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RoomEvent, type RoomSignal, WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliServer,
  createTestDatabase,
  deleteRedisKeys,
  lateNodeCount,
  openRawSocket,
  type RawSocket,
  redisKeyTtls,
  redisUnavailable,
  rest,
  roomEventsReadFromLog,
  signUp,
  signUpMany,
  startCliServer,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
  watchingClient,
  wsClient,
} from "../harness/index.js";
import { createdMessages, newRoom, send, waitFor, watchRoom, wholeHistory } from "../messages/room-fixtures.js";

/** Short, so that a killed node's users leave within a test's patience. */
const NODE_TTL_MS = 3000;
const LOGIN_MAX_FAILURES = 5;
const MAX_CONNECTIONS_PER_ACCOUNT = 4;

const redisMissing = await redisUnavailable();

describe.skipIf(redisMissing !== undefined)("three natter nodes on one database and one Redis", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-cluster-"));
  /** The suite's engine: a SQLite file all nodes open, or one PostgreSQL database. */
  let database: TestDatabase;
  const prefix = testRedisPrefix();
  const nodes: CliServer[] = [];
  const clients: Array<{ close(): void }> = [];
  const sockets: RawSocket[] = [];

  const startNode = () =>
    startCliServer({
      databaseUrl: database.url,
      uploadsDir: join(dir, "uploads"),
      env: {
        NATTER_REDIS_URL: TEST_REDIS_URL,
        NATTER_REDIS_PREFIX: prefix,
        NATTER_NODE_TTL_MS: String(NODE_TTL_MS),
        NATTER_LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES),
        NATTER_WS_MAX_CONNECTIONS_PER_ACCOUNT: String(MAX_CONNECTIONS_PER_ACCOUNT),
        // Limits stay on, counted across the nodes, but senders may send as fast as they can.
        NATTER_SIGN_UP_RATE_PER_ADDRESS: "10000/1h",
        NATTER_LOG_IN_RATE_PER_ADDRESS: "10000/1h",
        NATTER_MESSAGE_SEND_RATE_PER_ACCOUNT: "100000/1m",
        NATTER_MESSAGE_SEND_RATE_PER_ADDRESS: "100000/1m",
      },
    });
  const node = (index: number) => nodes[index] as CliServer;
  const openSocket = async (index: number, token: string) => {
    const socket = await openRawSocket(node(index).url, { token });
    sockets.push(socket);
    return socket;
  };
  /** Whether the socket answers a call ("answered") or is closed first (its close code). */
  const admitted = (socket: RawSocket, id: number) => {
    socket.call(id, "query", "users.me", {});
    const answered = socket.next((m) => JSON.parse(m).id === id).then(() => "answered" as const);
    return Promise.race([answered, socket.closed.then((close) => close.code)]);
  };
  const connect = (url: string, token?: string) => {
    const client = wsClient(url, token ? { token } : {});
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    database = await createTestDatabase(dir);
    // The first node migrates the database alone; the others find it migrated.
    nodes.push(await startNode());
    nodes.push(...(await Promise.all([startNode(), startNode()])));
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const socket of sockets) socket.ws.close();
    await Promise.all(nodes.map((each) => each.stop()));
    await deleteRedisKeys(prefix);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a message sent on A to watchers on B and C, in seq order", async () => {
    const [a, b, c] = [node(0), node(1), node(2)];
    const [owner, watcher] = await signUpMany(a.url, 2);
    const roomId = await newRoom(a.url, owner, { members: [watcher] });
    const onB = watchRoom(connect(b.url, watcher.token).client, roomId, "0");
    const onC = watchRoom(connect(c.url, owner.token).client, roomId, "0");
    // Delivered by the log's tail, the events would reach the watchers too, a second later: the
    // nodes' counts of what they read from the log tell that Redis carried them.
    const readFromLog = () => Promise.all([b, c].map((each) => roomEventsReadFromLog(each.url)));
    const readBefore = await readFromLog();
    const sent = [];
    for (let i = 0; i < 20; i += 1) sent.push(await send(a.url, owner, roomId, `hello ${i}`));
    const lastSeq = sent.at(-1)?.seq ?? 0;
    for (const watch of [onB, onC]) {
      await watch.until("every message", (events) => events.some((event) => event.seq === lastSeq));
      expect(watch.events.map((event) => event.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
      const bodies = watch.events.flatMap((event) => (event.type === "message.created" ? [event.message.body] : []));
      expect(bodies).toEqual(sent.map((message) => message.body));
    }
    expect(await readFromLog()).toEqual(readBefore);
  });

  it("frames an event sent on A for a watcher on B byte for byte as for a watcher on A", async () => {
    const owner = await signUp(node(0).url);
    const roomId = await newRoom(node(0).url, owner);
    const [onA, onB] = await Promise.all([openSocket(0, owner.token), openSocket(1, owner.token)]);
    for (const socket of [onA, onB]) {
      socket.call(1, "subscription", "rooms.events", { roomId });
      // A socket also carries the keep-alive's "PING", which is no JSON.
      await socket.next((message) => message.startsWith("{") && JSON.parse(message).result?.type === "started");
    }
    // B frames the event from the JSON it came in over Redis: escapes and non-ASCII must come through unchanged.
    const sent = await send(node(0).url, owner, roomId, 'a "quoted" \\ line\nwith a\ttab, é, 😀 and </script>');
    const frameOf = (socket: RawSocket) =>
      socket.next((message) => message.startsWith("{") && JSON.parse(message).result?.data?.data?.seq === sent.seq);
    const [fromA, fromB] = await Promise.all([frameOf(onA), frameOf(onB)]);
    expect(fromB).toBe(fromA);
    expect(JSON.parse(fromB).result.data.data.message.body).toBe(sent.body);
  });

  it("closes a session's socket on B within 1 s of its log-out on A", async () => {
    const user = await signUp(node(0).url);
    const socket = await watchingClient(node(1).url, user.token);
    clients.push(socket);
    const started = Date.now();
    expect((await rest(node(0).url, "DELETE", "/sessions/current", { token: user.token })).status).toBe(200);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("counts failed log-ins made on every node together", async () => {
    const user = await signUp(node(0).url);
    const logIn = (index: number, password: string) =>
      rest(node(index % 3).url, "POST", "/sessions", { body: { username: user.username, password } });
    for (let i = 0; i < LOGIN_MAX_FAILURES; i += 1) expect((await logIn(i, "wrong password")).status).toBe(401);
    // Each node has seen fewer failures than the limit; together they have seen it.
    for (let i = 0; i < 3; i += 1) expect((await logIn(i, user.password)).status).toBe(429);
  });

  it("lets an account's concurrent wrong passwords on all nodes through only up to the limit", async () => {
    const user = await signUp(node(0).url);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        rest(node(i % 3).url, "POST", "/sessions", { body: { username: user.username, password: "wrong" } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(LOGIN_MAX_FAILURES);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30 - LOGIN_MAX_FAILURES);
  });

  it("holds an account's WebSocket ceiling over all nodes, and frees a slot when one closes", async () => {
    const user = await signUp(node(0).url);
    const open = (index: number) => openSocket(index, user.token);
    const held: RawSocket[] = [];
    for (let i = 0; i < MAX_CONNECTIONS_PER_ACCOUNT; i += 1) {
      const socket = await open(i % 2);
      expect(await admitted(socket, 1)).toBe("answered");
      held.push(socket);
    }
    expect(await admitted(await open(2), 1)).toBe(WS_CLOSE_CODES.tooManyConnections);
    held[0]?.ws.close();
    // The slot is given back on Redis a moment after the close: C admits once it has been.
    const deadline = Date.now() + 5000;
    let outcome = await admitted(await open(2), 1);
    while (outcome !== "answered" && Date.now() < deadline) outcome = await admitted(await open(2), 1);
    expect(outcome).toBe("answered");
  });

  it("goes on counting a stalled node's connections towards the ceiling while it is late", async () => {
    const user = await signUp(node(0).url);
    const open = (index: number) => openSocket(index, user.token);
    for (let i = 0; i < MAX_CONNECTIONS_PER_ACCOUNT; i += 1) expect(await admitted(await open(0), 1)).toBe("answered");
    // A holds every slot, then stops beating for longer than a node counts as alive (half
    // the TTL) but less than the TTL: a stalled event loop, not a dead node.
    const stalled = nodes[0]?.child;
    stalled?.kill("SIGSTOP");
    try {
      const deadline = Date.now() + NODE_TTL_MS;
      while ((await lateNodeCount(prefix)) !== 1) {
        if (Date.now() > deadline) throw new Error("A never became late on Redis");
      }
      expect(await admitted(await open(1), 1)).toBe(WS_CLOSE_CODES.tooManyConnections);
    } finally {
      stalled?.kill("SIGCONT");
    }
  });

  it("ends a room's streams on B and C when it is deleted on A", async () => {
    const [owner, member] = await signUpMany(node(0).url, 2);
    const roomId = await newRoom(node(0).url, owner, { members: [member] });
    const onB = watchRoom(connect(node(1).url, member.token).client, roomId, "0");
    const onC = watchRoom(connect(node(2).url, owner.token).client, roomId, "0");
    for (const watch of [onB, onC]) await watch.until("the room's log", (events) => events.length >= 2);
    expect((await rest(node(0).url, "DELETE", `/rooms/${roomId}`, { token: owner.token })).status).toBe(200);
    for (const watch of [onB, onC]) {
      await waitFor("the stream to end", () => watch.ended);
      expect(watch.events.at(-1)?.type).toBe("room.deleted");
    }
  });

  it("keeps exact counts and one owner through 50 concurrent joins and leaves over the nodes", async () => {
    const owner = await signUp(node(0).url);
    const crowd = await Promise.all(Array.from({ length: 50 }, (_, i) => signUp(node(i % 3).url)));
    const [goers, stayers] = [crowd.slice(0, 25), crowd.slice(25)];
    const roomId = await newRoom(node(0).url, owner, { members: goers });
    const results = await Promise.all([
      ...stayers.map((u, i) => rest(node(i % 3).url, "POST", `/rooms/${roomId}/join`, { token: u.token })),
      ...goers.map((u, i) => rest(node((i + 1) % 3).url, "POST", `/rooms/${roomId}/leave`, { token: u.token })),
    ]);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const each of nodes) {
      const room = await rest(each.url, "GET", `/rooms/${roomId}`);
      expect(room.body.room.memberCount).toBe(26);
    }
    const members = await rest(node(1).url, "GET", `/rooms/${roomId}/members?limit=200`);
    expect(members.body.total).toBe(26);
    expect(new Set(members.body.members.map((m: { userId: string }) => m.userId))).toEqual(
      new Set([owner.id, ...stayers.map((u) => u.id)]),
    );
    expect(members.body.members.filter((m: { role: string }) => m.role === "owner")).toEqual([
      expect.objectContaining({ userId: owner.id }),
    ]);
  });

  it("after B is killed: its user leaves C's presence within the TTL, and B's watcher resumes on C missing nothing", async () => {
    const [b, c] = [node(1), node(2)];
    const [sender, present, observer] = await signUpMany(node(0).url, 3);
    const roomId = await newRoom(node(0).url, sender, { members: [present, observer] });

    // Presence of a user connected to B, seen on C.
    const signals: RoomSignal[] = [];
    connect(c.url, observer.token).client.rooms.signals.subscribe(
      { roomId },
      { onData: (signal) => signals.push(signal) },
    );
    await waitFor("C's snapshot", () => signals.length > 0);
    connect(b.url, present.token).client.rooms.signals.subscribe({ roomId }, {});
    await waitFor(
      "the user on B present on C",
      () => signals.some((s) => s.type === "presence.joined" && s.user.userId === present.id),
      10_000,
    );

    // A watcher on B, and senders on A that keep sending throughout.
    let closedB = false;
    const clientB = wsClient(b.url, {
      token: present.token,
      onClose: () => {
        closedB = true;
      },
    });
    clients.push(clientB);
    const onB = watchRoom(clientB.client, roomId, "0");
    let sending = true;
    let sentSeq = 0;
    const senders = [sender, observer].map(async (user) => {
      for (let i = 0; sending; i += 1)
        sentSeq = Math.max(sentSeq, (await send(node(0).url, user, roomId, `m${i}`)).seq);
    });
    await onB.until("some messages on B", (events) => events.length >= 20);

    // A failed log-in on B, so that B has a throttle counting on Redis too.
    const wrong = { username: observer.username, password: "wrong password" };
    expect((await rest(b.url, "POST", "/sessions", { body: wrong })).status).toBe(401);
    const killedAt = Date.now();
    await b.kill();
    // Nothing natter keeps on Redis outlives its nodes: had every node died like B, all of it
    // (B's presence and connection counts, the live-nodes set, throttles, rate limits) expires.
    const ttls = await redisKeyTtls(prefix);
    const kinds = new Set([...ttls.keys()].map((key) => key.slice(prefix.length).split(":")[0]));
    expect([...kinds]).toEqual(expect.arrayContaining(["nodes", "signals", "ws-connections", "throttle", "rate"]));
    expect([...ttls].filter(([, ttl]) => ttl === -1)).toEqual([]);
    await waitFor("B's socket to close", () => closedB);
    clientB.close();
    const resumeFrom = onB.ids.at(-1) ?? "0";
    const onC = watchRoom(connect(c.url, present.token).client, roomId, resumeFrom);
    await onC.until("messages on C", (events) => events.length >= 20);
    sending = false;
    await Promise.all(senders);
    await onC.until("every message sent", (events) => events.some((event) => event.seq === sentSeq));

    const seqs = [...onB.events, ...onC.events].map((event: RoomEvent) => event.seq);
    expect(seqs).toEqual(Array.from({ length: sentSeq }, (_, i) => i + 1));

    await waitFor(
      "the killed node's user to leave",
      () => signals.some((s) => s.type === "presence.left" && s.userId === present.id),
      NODE_TTL_MS + 2000,
    );
    expect(Date.now() - killedAt).toBeLessThanOrEqual(NODE_TTL_MS);
    nodes[1] = await startNode();
  }, 120_000);

  it("after A is killed mid-send: watchers on B and C hold exactly the committed history, in seq order, within 2 s", async () => {
    const [a, b, c] = [node(0), node(1), node(2)];
    const users = await signUpMany(b.url, 4);
    const [owner] = users;
    // Several rooms, so that sends commit side by side rather than queue on one room's lock:
    // more of them are caught by the kill between their commit and their answer.
    const roomIds = await Promise.all([1, 2, 3].map(() => newRoom(b.url, owner, { members: users.slice(1) })));
    const lastSeq = async (roomId: string) =>
      (await rest(b.url, "GET", `/rooms/${roomId}`, { token: owner.token })).body.room.lastSeq as number;
    const watchers = [b, c].map((each, i) => connect(each.url, users[i]?.token).client);
    const rooms = await Promise.all(
      roomIds.map(async (roomId) => {
        const watches = watchers.map((client) => watchRoom(client, roomId, "0"));
        const created = await lastSeq(roomId);
        for (const watch of watches) await watch.until("the room's log", (events) => events.length === created);
        return { roomId, watches };
      }),
    );

    // Every user keeps one send in flight on A in every room, until A dies under them.
    const answered = new Set<string>();
    const unanswered = new Set<string>();
    const senders = users.flatMap((user, u) =>
      roomIds.map(async (roomId, r) => {
        for (let i = 0; ; i += 1) {
          const body = `u${u} r${r} m${i}`;
          let answer: Awaited<ReturnType<typeof rest>>;
          try {
            answer = await rest(a.url, "POST", `/rooms/${roomId}/messages`, { token: user.token, body: { body } });
          } catch {
            // The connection died with A: committed or not, nobody answered.
            unanswered.add(body);
            return;
          }
          expect(answer.status).toBe(201);
          answered.add(body);
        }
      }),
    );
    await waitFor("some messages from A", () => answered.size >= 60);
    const killedAt = Date.now();
    await a.kill();
    await Promise.all(senders);

    // What A committed is what B reads now. A COMMIT already on its way to the database may
    // still land a moment after A is gone: read until each room's newest seq stays put.
    const committed = new Map<string, number>();
    for (const { roomId, watches } of rooms) {
      for (let seq = await lastSeq(roomId); ; ) {
        for (const watch of watches) await watch.until(`seq ${seq}`, (events) => events.some((e) => e.seq >= seq));
        const again = await lastSeq(roomId);
        if (again === seq) {
          committed.set(roomId, seq);
          break;
        }
        seq = again;
      }
    }
    expect(Date.now() - killedAt).toBeLessThan(2000);

    let caught = 0;
    for (const { roomId, watches } of rooms) {
      const history = await wholeHistory(b.url, owner, roomId);
      const seq = committed.get(roomId) ?? 0;
      expect(history.at(-1)?.seq).toBe(seq);
      const bodies = new Set(history.map((message) => message.body));
      for (const body of answered) if (body.includes(` r${roomIds.indexOf(roomId)} `)) expect(bodies).toContain(body);
      caught += [...unanswered].filter((body) => bodies.has(body)).length;
      for (const watch of watches) {
        expect(watch.events.map((event) => event.seq)).toEqual(Array.from({ length: seq }, (_, i) => i + 1));
        expect(createdMessages(watch.events).map((message) => message.id)).toEqual(
          history.map((message) => message.id),
        );
      }
    }
    // Sends that got no answer are in the history (and so with every watcher) only if committed.
    const fromLog = [b, c].map((each) => each.output().split("publish lost").length - 1);
    console.info(
      `A killed with ${unanswered.size} sends in flight, ${caught} of them committed; ` +
        `B and C read ${fromLog.join(" and ")} rooms' events from the log`,
    );
    nodes[0] = await startNode();
  }, 120_000);
});
