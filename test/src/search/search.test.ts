import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  ManualClock,
  rest,
  seededRandom,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { bodyMatches, type CorpusMessage, type ExpectedTerm, searchCorpus } from "./search-corpus.js";
import { searchIds } from "./search-pages.js";

interface Sent extends CorpusMessage {
  id: string;
  /** The first message of the thread this one replies in. */
  thread?: string;
}

async function sendAll(url: string, messages: CorpusMessage[], rooms: string[], users: TestUser[]): Promise<Sent[]> {
  const sent: Sent[] = [];
  // A few at a time, in corpus order per worker; the order across workers does not matter.
  const queue = messages.map((message, index) => ({ message, index }));
  const results: Sent[] = new Array(messages.length);
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { message, index } = next;
        const res = await rest(url, "POST", `/rooms/${rooms[message.room]}/messages`, {
          token: (users[message.author] as TestUser).token,
          body: { body: message.body },
        });
        if (res.status !== 201) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
        results[index] = { ...message, id: res.body.message.id };
      }
    }),
  );
  sent.push(...results);
  return sent;
}

/** A query, and what it means for the reference: its terms, and its `from:`/`in:` filters by index. */
interface Case {
  q: string;
  terms: ExpectedTerm[];
  author?: number;
  room?: number;
}

const w = (...words: string[]): ExpectedTerm => ({ words });

const CASES: Case[] = [
  { q: "deploy", terms: [w("deploy")] },
  { q: "zebra", terms: [w("zebra")] },
  { q: "deploy release", terms: [w("deploy"), w("release")] },
  { q: '"roadmap review"', terms: [w("roadmap", "review")] },
  { q: '"review roadmap"', terms: [w("review", "roadmap")] },
  { q: "kube*", terms: [{ words: ["kube"], prefix: true }] },
  { q: "pag* budget", terms: [{ words: ["pag"], prefix: true }, w("budget")] },
  { q: "deploy -release", terms: [w("deploy"), { words: ["release"], exclude: true }] },
  { q: 'the -"deploy release"', terms: [w("the"), { words: ["deploy", "release"], exclude: true }] },
  { q: "cafe", terms: [w("cafe")] },
  { q: "CAFÉ", terms: [w("cafe")] },
  { q: "cafe\u0301", terms: [w("cafe")] },
  { q: "uber", terms: [w("uber")] },
  { q: "manana", terms: [w("manana")] },
  { q: "reunion", terms: [w("reunion")] },
  { q: "resume naive", terms: [w("resume"), w("naive")] },
  { q: "数据库", terms: [w("数据库")] },
  { q: "性能", terms: [w("性能")] },
  { q: "发", terms: [w("发")] },
  { q: "データベース", terms: [w("データベース")] },
  { q: "数据库 -性能", terms: [w("数据库"), { words: ["性能"], exclude: true }] },
  { q: "服务器 明天", terms: [w("服务器"), w("明天")] },
  { q: "e-mail", terms: [w("e", "mail")] },
  { q: "finance@example.com", terms: [w("finance", "example", "com")] },
  { q: '"quarterly planning"', terms: [w("quarterly", "planning")] },
  { q: "from:{author0} budget", terms: [w("budget")], author: 0 },
  { q: "from:{author1} 数据库", terms: [w("数据库")], author: 1 },
  { q: 'in:"{room1}" deploy', terms: [w("deploy")], room: 1 },
  { q: "in:{room2} zebra", terms: [w("zebra")], room: 2 },
];

describe("GET /search/messages: a corpus checked against a plain reference", () => {
  let server: TestServer;
  let users: [TestUser, TestUser, TestUser];
  let roomNames: string[];
  let roomIds: string[];
  let sent: Sent[];

  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off" } });
    users = await signUpMany(server.url, 3);
    const [alice, bob, carol] = users;
    const tag = Math.random().toString(36).slice(2, 8);
    roomNames = [`lobby-${tag}`, `Dev Team ${tag}`, `secret-${tag}`];
    roomIds = [
      (await createRoom(server.url, alice.token, { name: roomNames[0], open: true })).id,
      (await createRoom(server.url, bob.token, { name: roomNames[1], open: true, memberIds: [alice.id, carol.id] })).id,
      (await createRoom(server.url, alice.token, { name: roomNames[2], open: false, memberIds: [carol.id] })).id,
    ];
    await rest(server.url, "POST", `/rooms/${roomIds[0]}/join`, { token: bob.token });
    await rest(server.url, "POST", `/rooms/${roomIds[0]}/join`, { token: carol.token });
    // bob is in the open rooms only: he may not post in the closed one, so carol posts his share there.
    const corpus = searchCorpus(1500, 3, 3).map((m) => (m.room === 2 && m.author === 1 ? { ...m, author: 2 } : m));
    sent = await sendAll(server.url, corpus, roomIds, users);
    // Threads under a message of the open lobby and of the closed room, replied in by its members.
    for (const [room, authors] of [
      [0, [0, 1, 2]],
      [2, [0, 2]],
    ] as const) {
      const root = sent.find((m) => m.room === room && !m.thread) as Sent;
      const replies = searchCorpus(60, 1, authors.length, 23 + room).map((m) => ({
        ...m,
        room,
        author: authors[m.author] as number,
      }));
      for (const reply of replies) {
        const res = await rest(server.url, "POST", `/rooms/${roomIds[room]}/messages`, {
          token: (users[reply.author] as TestUser).token,
          body: { body: reply.body, threadId: root.id },
        });
        if (res.status !== 201) throw new Error(`reply failed: ${res.status} ${JSON.stringify(res.body)}`);
        sent.push({ ...reply, id: res.body.message.id, thread: root.id });
      }
    }
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
  });

  /** The query text with `{authorN}` and `{roomN}` filled in. */
  const textOf = (c: Case) =>
    c.q
      .replace(/\{author(\d)\}/g, (_, i) => (users[Number(i)] as TestUser).username)
      .replace(/\{room(\d)\}/g, (_, i) => roomNames[Number(i)] as string);

  const expected = (c: Case, readable: (room: number) => boolean) =>
    sent
      .filter(
        (m) =>
          readable(m.room) &&
          (c.author === undefined || m.author === c.author) &&
          (c.room === undefined || m.room === c.room) &&
          bodyMatches(m.body, c.terms),
      )
      .map((m) => m.id)
      .sort();

  it.each(CASES)("$q finds exactly what the reference finds, for a member, a non-member and anonymous", async (c) => {
    const q = textOf(c);
    const [alice, bob] = users;
    const forAlice = expected(c, () => true);
    const forBob = expected(c, (room) => room !== 2);
    expect((await searchIds(server.url, alice.token, { q })).sort()).toEqual(forAlice);
    expect((await searchIds(server.url, bob.token, { q })).sort()).toEqual(forBob);
    expect((await searchIds(server.url, undefined, { q })).sort()).toEqual(forBob);
  });

  it("sanity: the corpus gives the cases common, rare and empty answers alike", () => {
    const sizes = CASES.map((c) => expected(c, () => true).length);
    expect(Math.max(...sizes)).toBeGreaterThan(200);
    expect(sizes.filter((n) => n > 0 && n < 20).length).toBeGreaterThan(3);
  });

  it("ranks by relevance over the same matches as newest-first, on every page", async () => {
    const [alice] = users;
    for (const q of ["deploy release", "数据库", "cafe"]) {
      const recent = (await searchIds(server.url, alice.token, { q })).sort();
      const ranked: string[] = [];
      let cursor: string | undefined;
      do {
        const params = new URLSearchParams({ q, limit: "50", ...(cursor && { cursor }) });
        const res = await rest(server.url, "GET", `/search/messages?${params}`, { token: alice.token });
        expect(res.status).toBe(200);
        ranked.push(...res.body.results.map((hit: { message: { id: string } }) => hit.message.id));
        cursor = res.body.nextCursor ?? undefined;
      } while (cursor);
      expect(ranked.sort()).toEqual(recent);
    }
  });

  it("sorts newest first with sort=recent", async () => {
    const res = await rest(server.url, "GET", "/search/messages?q=deploy&sort=recent&limit=50", {
      token: users[0].token,
    });
    const times = res.body.results.map((hit: { message: { createdAt: string; seq: number } }) => hit.message.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it("answers highlights as ranges of the body that hold the matched words, folded", async () => {
    const res = await rest(server.url, "GET", `/search/messages?q=${encodeURIComponent("cafe capitals")}`, {
      token: users[0].token,
    });
    const [hit] = res.body.results;
    expect(hit.highlights.map(([s, e]: [number, number]) => hit.message.body.slice(s, e))).toEqual([
      "Cafe",
      "CAFÉ",
      "capitals",
    ]);
    const phrase = await rest(server.url, "GET", `/search/messages?q=${encodeURIComponent('"roadmap review"')}`, {
      token: users[0].token,
    });
    const [first] = phrase.body.results;
    expect(first.highlights.map(([s, e]: [number, number]) => first.message.body.slice(s, e))).toEqual([
      "roadmap review",
    ]);
    const cjk = await rest(server.url, "GET", `/search/messages?q=${encodeURIComponent("性能测试")}`, {
      token: users[0].token,
    });
    const [cjkHit] = cjk.body.results;
    expect(cjkHit.highlights.map(([s, e]: [number, number]) => cjkHit.message.body.slice(s, e))).toEqual(["性能测试"]);
  });

  it("documents highlights in /openapi.json as ranges with the end exclusive, as slice takes them", async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      components: { schemas: Record<string, { properties: { highlights: { items: { description: string } } } }> };
      paths: Record<string, { get: { description: string } }>;
    };
    const hit = document.components.schemas.SearchHit as (typeof document.components.schemas)[string];
    expect(hit.properties.highlights.items.description).toContain("`end` exclusive");
    expect(hit.properties.highlights.items.description).toContain("message.body.slice(start, end)");
    expect(document.paths["/search/messages"]?.get.description).toContain("message.body.slice(start, end)");
  });

  it("filters by room, author and time, and refuses a room the caller cannot read as missing", async () => {
    const [alice, bob] = users;
    const c: Case = { q: "deploy", terms: [w("deploy")] };
    const inRoom = await searchIds(server.url, alice.token, { q: "deploy", roomId: roomIds[1] as string });
    expect(inRoom.sort()).toEqual(expected({ ...c, room: 1 }, () => true));
    const byAuthor = await searchIds(server.url, alice.token, { q: "deploy", authorId: users[2].id });
    expect(byAuthor.sort()).toEqual(expected({ ...c, author: 2 }, () => true));
    const future = await searchIds(server.url, alice.token, { q: "deploy", from: "2999-01-01T00:00:00.000Z" });
    expect(future).toEqual([]);
    const past = await searchIds(server.url, alice.token, { q: "deploy", to: "2999-01-01T00:00:00.000Z" });
    expect(past.sort()).toEqual(expected(c, () => true));
    const noFiles = await searchIds(server.url, alice.token, { q: "deploy", hasAttachments: "false" });
    expect(noFiles.sort()).toEqual(expected(c, () => true));
    expect(await searchIds(server.url, alice.token, { q: "deploy", hasAttachments: "true" })).toEqual([]);
    const closed = await rest(server.url, "GET", `/search/messages?q=deploy&roomId=${roomIds[2]}`, {
      token: bob.token,
    });
    expect(closed.status).toBe(404);
    expect(closed.body.error.code).toBe("ROOM_NOT_FOUND");
  });

  it("filters by thread: its first message and its replies; a thread the caller cannot read finds nothing", async () => {
    const [alice, bob] = users;
    const roots = [0, 2].map((room) => sent.find((m) => m.room === room && !m.thread) as Sent);
    for (const root of roots) {
      const inThread = sent.filter((m) => m.id === root.id || m.thread === root.id);
      for (const c of CASES.filter((c) => c.author === undefined && c.room === undefined)) {
        const want = inThread
          .filter((m) => bodyMatches(m.body, c.terms))
          .map((m) => m.id)
          .sort();
        const q = textOf(c);
        expect((await searchIds(server.url, alice.token, { q, threadId: root.id })).sort(), q).toEqual(want);
        const outsider = await searchIds(server.url, bob.token, { q, threadId: root.id });
        expect(outsider.sort(), q).toEqual(root.room === 2 ? [] : want);
        expect(await searchIds(server.url, undefined, { q, threadId: root.id, roomId: roomIds[1] as string })).toEqual(
          [],
        );
      }
    }
    const sizes = roots.map((root) => sent.filter((m) => m.thread === root.id && bodyMatches(m.body, [w("the")])));
    expect(Math.min(...sizes.map((list) => list.length))).toBeGreaterThan(0);
  });

  it("refuses a query with nothing to find, and a bad cursor, as 400 VALIDATION_FAILED", async () => {
    for (const q of ["", "   ", "-deploy", "!!!", `from:${users[0].username}`, "* - \"\" ''", "\u200f\u202e"]) {
      const res = await rest(server.url, "GET", `/search/messages?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
    }
    const ranked = await rest(server.url, "GET", "/search/messages?q=the&limit=1");
    const recentWithRankedCursor = await rest(
      server.url,
      "GET",
      `/search/messages?q=the&sort=recent&cursor=${ranked.body.nextCursor}`,
    );
    expect(recentWithRankedCursor.status).toBe(400);
    const garbage = await rest(server.url, "GET", "/search/messages?q=the&cursor=not-a-cursor");
    expect(garbage.status).toBe(400);
    // Forged cursors: well-formed JSON whose key no engine made. Keys that cannot be an id on
    // any engine (NUL, spaces, SQL, emoji) are refused; plausible ones may page (to nothing).
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const keys = {
      refused: ["\u0000", "a\u0000b", "1' or '1'='1", "", " ", "😀"],
      plausible: ["9".repeat(40), "-1", "1e9"],
    };
    for (const [kind, list] of Object.entries(keys)) {
      for (const key of list) {
        for (const cursor of [
          { sort: "recent", below: key },
          { sort: "relevance", upTo: key, offset: 20 },
        ]) {
          const res = await rest(
            server.url,
            "GET",
            `/search/messages?q=the&sort=${cursor.sort}&cursor=${forged(cursor)}`,
          );
          const label = `${cursor.sort} ${JSON.stringify(key)}`;
          expect(kind === "refused" ? [400] : [200, 400], label).toContain(res.status);
          if (res.status === 400) expect(res.body.error.code).toBe("VALIDATION_FAILED");
        }
      }
    }
  });

  it("never answers 5xx, whatever the query: punctuation alone and combined, long queries, NUL, RTL marks", async () => {
    const punctuation = [..."!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"];
    const queries = [
      ...punctuation,
      ...punctuation.flatMap((a) => punctuation.map((b) => `${a}${b}`)),
      ...punctuation.flatMap((p) => [`deploy${p}`, `${p}deploy`, `deploy${p}release`, `"deploy${p}"`, `${p}数据库`]),
      punctuation.join(""),
      `deploy ${punctuation.join(" ")} release`,
      "AND OR NOT NEAR",
      "deploy AND release OR NOT NEAR(zebra)",
      "a".repeat(4000),
      "deploy ".repeat(571),
      '"'.repeat(4000),
      "-".repeat(4000),
      "*".repeat(4000),
      "数".repeat(4000),
      `${"é".repeat(2000)}`,
      "deploy\u0000release",
      "\u0000",
      "\u200fdeploy\u200f",
      "\u0301",
      "deploy \u0301\u0302*",
      "cafe\u0301",
      "\u202edeploy\u202c release",
      "from:\u0000 deploy",
      "in:\u200f deploy",
      "from:'; drop table messages; -- deploy",
      "kube\\* deploy",
      "'deploy'",
      "deploy:*",
      "!deploy & release",
    ];
    // Seeded random queries from the pieces of the query language and everything around it.
    const random = seededRandom(Number(process.env.NATTER_FUZZ_SEED ?? 22));
    const pieces = [
      ...punctuation,
      " ",
      "deploy",
      "数据库",
      "性",
      "-",
      '"',
      "*",
      "from:",
      "in:",
      "\u0000",
      "\u200f",
      "é",
      "AND",
      "NOT",
    ];
    for (let i = 0; i < 300; i++) {
      const length = 1 + Math.floor(random() * 12);
      queries.push(Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join(""));
    }
    const statuses = new Map<number, number>();
    const pending = [...queries];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let q = pending.shift(); q !== undefined; q = pending.shift()) {
          const res = await rest(server.url, "GET", `/search/messages?q=${encodeURIComponent(q)}`);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          // 431: a query too long for a URL's request line is refused before it reaches natter.
          expect([200, 400, 431], JSON.stringify(q).slice(0, 40)).toContain(res.status);
          if (res.status === 400) expect(res.body.error.code).toBe("VALIDATION_FAILED");
        }
      }),
    );
    expect(statuses.get(200)).toBeGreaterThan(100);
    // NUL is refused at the API's edge, as in every other string (PostgreSQL cannot store it).
    const nul = await rest(server.url, "GET", `/search/messages?q=${encodeURIComponent("deploy\u0000release")}`);
    expect(nul.status).toBe(400);
    expect(nul.body.error.issues).toEqual([{ path: "q", message: "must not contain NUL (U+0000)" }]);
    // Other control and direction characters separate words as spaces do.
    const plain = (await searchIds(server.url, undefined, { q: "deploy release" })).sort();
    expect((await searchIds(server.url, undefined, { q: "deploy\u0007release" })).sort()).toEqual(plain);
    expect((await searchIds(server.url, undefined, { q: "\u202edeploy\u202c release" })).sort()).toEqual(plain);
  }, 240_000);
});

describe("GET /search/messages: what the caller may read right now", () => {
  let server: TestServer;
  let owner: TestUser;
  let member: TestUser;
  let stranger: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off" } });
    [owner, member, stranger] = await signUpMany(server.url, 3);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const found = async (user: TestUser | undefined, q: string) => searchIds(server.url, user?.token, { q });

  async function post(user: TestUser, roomId: string, body: string): Promise<string> {
    const res = await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: user.token, body: { body } });
    expect(res.status).toBe(201);
    return res.body.message.id;
  }

  it("finds an edited message by its new text only", async () => {
    const roomId = (await createRoom(server.url, owner.token, { open: true })).id;
    const id = await post(owner, roomId, "the aardvark crossed the road");
    expect(await found(owner, "aardvark")).toEqual([id]);
    const edit = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${id}`, {
      token: owner.token,
      body: { body: "the okapi crossed the road" },
    });
    expect(edit.status).toBe(200);
    expect(await found(owner, "aardvark")).toEqual([]);
    expect(await found(owner, "okapi")).toEqual([id]);
    expect(await found(owner, '"okapi crossed"')).toEqual([id]);
  });

  it("never finds a deleted message", async () => {
    const roomId = (await createRoom(server.url, owner.token, { open: true })).id;
    const kept = await post(owner, roomId, "platypus kept");
    const gone = await post(owner, roomId, "platypus gone 鸭嘴兽消失了");
    expect((await found(owner, "platypus")).sort()).toEqual([kept, gone].sort());
    const res = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${gone}`, { token: owner.token });
    expect(res.status).toBe(200);
    expect(await found(owner, "platypus")).toEqual([kept]);
    expect(await found(owner, "鸭嘴兽")).toEqual([]);
  });

  it("finds a closed room's messages for its members only; not after leaving or being kicked", async () => {
    const roomId = (await createRoom(server.url, owner.token, { open: false, memberIds: [member.id, stranger.id] })).id;
    const id = await post(owner, roomId, "narwhal sighting in the closed room");
    expect(await found(member, "narwhal")).toEqual([id]);
    expect(await found(stranger, "narwhal")).toEqual([id]);
    const kick = await rest(server.url, "DELETE", `/rooms/${roomId}/members/${member.id}`, { token: owner.token });
    expect(kick.status).toBe(200);
    const leave = await rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: stranger.token });
    expect(leave.status).toBe(200);
    expect(await found(owner, "narwhal")).toEqual([id]);
    expect(await found(member, "narwhal")).toEqual([]);
    expect(await found(stranger, "narwhal")).toEqual([]);
    expect(await found(undefined, "narwhal")).toEqual([]);
  });

  it("lets anonymous callers search open rooms", async () => {
    const open = (await createRoom(server.url, owner.token, { open: true })).id;
    const closed = (await createRoom(server.url, owner.token, { open: false })).id;
    const visible = await post(owner, open, "axolotl in the open");
    await post(owner, closed, "axolotl behind closed doors");
    expect(await found(undefined, "axolotl")).toEqual([visible]);
    expect(await found(owner, "axolotl")).toHaveLength(2);
  });
});

describe("GET /search/messages after the retention sweep", () => {
  const DAY_MS = 24 * 3600 * 1000;
  const clock = new ManualClock();
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      config: {
        rateLimits: "off",
        messageRetentionDays: 30,
        messageRetentionIntervalMs: 20,
        sessionIdleTtlSeconds: 365 * 24 * 3600,
        sessionAbsoluteTtlSeconds: 365 * 24 * 3600,
      },
    });
    [alice] = await signUpMany(server.url, 1);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("finds no message the sweep deleted, and still finds the newer ones", async () => {
    const roomId = (await createRoom(server.url, alice.token, { open: true })).id;
    const send = async (body: string) =>
      (await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: alice.token, body: { body } })).body.message
        .id as string;
    await send("quokka from long ago");
    await send("古老的消息数据库");
    clock.advance(31 * DAY_MS);
    const recent = await send("quokka from today");
    await expect
      .poll(async () => searchIds(server.url, alice.token, { q: "quokka" }), { timeout: 20_000, interval: 50 })
      .toEqual([recent]);
    expect(await searchIds(server.url, alice.token, { q: "消息数据库" })).toEqual([]);
  });
});
