import { randomBytes } from "node:crypto";
import type { Database, DatabaseEngine } from "@natter/db";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { PasswordHasher } from "../../auth/password-hasher.js";
import { systemClock } from "../../clock/clock.js";
import type { Config } from "../../config/config.js";
import { InProcessRoomEventBus } from "../../events/room-event-bus.js";
import { createAccount } from "../../services/accounts/create-account.js";
import { MessagesService } from "../../services/messages/messages-service.js";
import { RoomWriter } from "../../services/room-writes/room-writer.js";
import { RoomsService } from "../../services/rooms/rooms-service.js";
import { openBlobStore } from "../../uploads/open-blob-store.js";
import { withCliDatabase } from "../support/cli-database.js";
import { type Command, UsageError } from "../support/command.js";

const DEMO_USERS = ["alice", "bob", "carol"] as const;
type DemoUser = (typeof DEMO_USERS)[number];

/** Rooms to try things in: who is in each, and what was said there. */
const DEMO_ROOMS: readonly { name: string; open: boolean; members: DemoUser[]; lines: [DemoUser, string][] }[] = [
  {
    name: "general",
    open: true,
    members: ["alice", "bob", "carol"],
    lines: [
      ["alice", "Welcome to natter! This room is open: anyone may read it, even without signing in."],
      ["bob", "Hi all. Try editing or deleting one of your messages."],
      ["carol", "And watch a room live from a second browser tab."],
    ],
  },
  {
    name: "random",
    open: true,
    members: ["alice", "bob"],
    lines: [
      ["bob", "Anything goes here."],
      ["alice", "Like this."],
    ],
  },
  {
    name: "project-x",
    open: false,
    members: ["alice", "carol"],
    lines: [
      ["carol", "This room is closed: only its members see it."],
      ["alice", "Nobody else can even tell it exists."],
    ],
  },
];

/** `natter seed --demo`: a few users, rooms and messages for trying natter out. */
export const seedCommand: Command = {
  name: "seed",
  summary: "fill the database with demo users, rooms and messages",
  usage: "natter seed --demo [--force] [--db URL] [--uploads-dir DIR]",
  details: () =>
    `Creates the users ${DEMO_USERS.join(", ")} with fresh random passwords, three rooms (two open, one closed)\n` +
    "and a few messages, then prints the users' credentials as JSON. Refuses a database that already has\n" +
    "users unless --force (then taken names get a suffix).",
  options: {
    demo: { type: "boolean" },
    force: { type: "boolean" },
    db: { type: "string" },
    "uploads-dir": { type: "string" },
  },
  async run({ values }) {
    if (!values.demo) throw new UsageError("--demo is required (it is the only kind of seed there is)");
    return withCliDatabase(
      { databaseUrl: values.db as string | undefined, uploadsDir: values["uploads-dir"] as string | undefined },
      async (db, config, engine) => {
        const existing = await db.selectFrom("users").select("id").limit(1).executeTakeFirst();
        if (existing && !values.force) {
          console.error("natter seed: the database already has users; add --force to seed it anyway");
          return 1;
        }
        console.log(JSON.stringify({ users: await seedDemo(db, engine, config) }));
        return 0;
      },
    );
  },
};

async function seedDemo(db: Kysely<Database>, engine: DatabaseEngine, config: Config) {
  const hasher = new PasswordHasher();
  const blobs = await openBlobStore(config);
  try {
    // A bus of its own: watchers of a running server see the seeded rooms on their next read.
    const writer = new RoomWriter({ db, engine, clock: systemClock, events: new InProcessRoomEventBus() });
    const rooms = new RoomsService({ db, writer, clock: systemClock });
    const messages = new MessagesService({ db, writer, blobs, clock: systemClock });
    const credentials: { username: string; password: string }[] = [];
    const sessions = {} as Record<DemoUser, AuthSession>;
    for (const name of DEMO_USERS) {
      const username = await freeUsername(db, name);
      const password = randomBytes(12).toString("base64url");
      const user = await createAccount(db, hasher, { username, password, actorId: null }, systemClock.now());
      credentials.push({ username, password });
      // The seed acts as each user would, without opening a session for them.
      sessions[name] = { sessionId: "", userId: user.id, username, isAdmin: false, expiresAt: Number.MAX_SAFE_INTEGER };
    }
    for (const demo of DEMO_ROOMS) {
      const [owner, ...others] = demo.members.map((name) => sessions[name]);
      if (!owner) continue;
      const room = await rooms.create(owner, {
        name: demo.name,
        open: demo.open,
        memberIds: others.map((member) => member.userId),
      });
      for (const [author, body] of demo.lines) await messages.send(sessions[author], room.id, { body });
    }
    return credentials;
  } finally {
    await blobs.close();
  }
}

/** `name`, or `name-2`, `name-3`… when a user already has it. */
async function freeUsername(db: Kysely<Database>, name: string): Promise<string> {
  for (let n = 1; ; n += 1) {
    const candidate = n === 1 ? name : `${name}-${n}`;
    const taken = await db.selectFrom("users").select("id").where("username_key", "=", candidate).executeTakeFirst();
    if (!taken) return candidate;
  }
}
