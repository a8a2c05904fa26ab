import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, startTestServer, type TestServer, uniqueUsername } from "./harness/index.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../server/bin/natter.js", import.meta.url));

// On SQLite: several processes on one file. On PostgreSQL: the migrator's lock beside a serving pool.
describe("writers beside `natter migrate` processes on the same database", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("loses no write while `natter migrate` runs against the same database from other processes", async () => {
    const migrations = Array.from({ length: 2 }, async () => {
      for (let round = 0; round < 2; round += 1) {
        const { stdout } = await run(process.execPath, [CLI, "migrate", "--db", server.databaseUrl], {
          env: { ...process.env, NATTER_LOG_LEVEL: "info" },
        });
        expect(stdout).toContain("already up to date");
      }
    });
    const users = await Promise.all(Array.from({ length: 40 }, () => signUp(server.url, uniqueUsername("load"))));
    const changes = users.map((user) =>
      rest(server.url, "PUT", "/me/password", {
        token: user.token,
        body: { currentPassword: user.password, newPassword: "another long password" },
      }),
    );
    const statuses = (await Promise.all(changes)).map((res) => res.status);
    await Promise.all(migrations);
    expect(statuses).toEqual(users.map(() => 200));
  });
});
