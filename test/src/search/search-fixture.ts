import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseEngine } from "@natter/db";
import { expect } from "vitest";
import {
  createRoom,
  createTestDatabase,
  rest,
  signUpMany,
  startTestServer,
  type TestDatabase,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { searchIds } from "./search-pages.js";

/**
 * A server on a database the test may also open itself (or hand to `natter reindex`), with one
 * user and an open room of theirs to send to.
 */
export interface SearchFixture {
  database: TestDatabase;
  server: TestServer;
  user: TestUser;
  roomId: string;
  /** Sends a message to the room as the user; answers its id. */
  send(body: string): Promise<string>;
  /** The ids the user's search finds, every page, sorted. */
  found(q: string): Promise<string[]>;
  /** Stops the server, drops the database and deletes the folder. */
  stop(): Promise<void>;
}

/** Starts a search fixture on `engine` (the suite's by default) in a new folder under the OS temp dir. */
export async function startSearchFixture(engine?: DatabaseEngine): Promise<SearchFixture> {
  const dir = mkdtempSync(join(tmpdir(), "natter-search-"));
  const database = await createTestDatabase(dir, engine);
  const server = await startTestServer({ dir, database, config: { rateLimits: "off" } });
  const [user] = (await signUpMany(server.url, 1)) as [TestUser];
  const roomId = (await createRoom(server.url, user.token, { open: true })).id;
  return {
    database,
    server,
    user,
    roomId,
    async send(body) {
      const res = await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: user.token, body: { body } });
      expect(res.status).toBe(201);
      return res.body.message.id as string;
    },
    async found(q) {
      return (await searchIds(server.url, user.token, { q })).sort();
    },
    async stop() {
      await server.stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
