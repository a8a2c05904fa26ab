import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { signUp, startTestServer, type TestServer } from "./harness/index.js";

// The bytes of the SQLite file and its WAL, free pages included: what a stolen disk shows.
// (accounts.test.ts checks the rows themselves, on both engines.)
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

it("keeps no token or password in clear anywhere in the SQLite file or its WAL", async () => {
  const jack = await signUp(server.url);
  const files = [server.databaseUrl, `${server.databaseUrl}-wal`].map((path) => {
    try {
      return readFileSync(path);
    } catch {
      return Buffer.alloc(0);
    }
  });
  // The files read hold jack's rows (his username is stored as text), so the absence below means something.
  expect(files.some((bytes) => bytes.includes(jack.username))).toBe(true);
  for (const bytes of files) {
    expect(bytes.includes(jack.token)).toBe(false);
    expect(bytes.includes(jack.password)).toBe(false);
  }
});
