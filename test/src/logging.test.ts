import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger, loadConfig, type NatterServer, startNatterServer } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  httpClient,
  rest,
  signUp,
  type TestDatabase,
  testServerConfig,
  wsClient,
} from "./harness/index.js";

describe("logs", () => {
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "natter-logs-"));
  let database: TestDatabase;
  let server: NatterServer;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    database = await createTestDatabase(dir);
    server = await startNatterServer({
      config: loadConfig(testServerConfig(database, dir, { logLevel: "info" }), {}),
      logger: createLogger("trace", sink),
    });
  });
  afterAll(async () => {
    await server.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("record requests at the most verbose level without any token or password in them", async () => {
    const alice = await signUp(server.url, "log_alice", "alice's long password");
    const login = await rest(server.url, "POST", "/sessions", {
      body: { username: "log_alice", password: "alice's long password" },
    });
    await rest(server.url, "POST", "/sessions", { body: { username: "log_alice", password: "a wrong password!" } });
    await rest(server.url, "PUT", "/me/password", {
      token: login.body.token,
      body: { currentPassword: "alice's long password", newPassword: "the next long password" },
    });
    await httpClient(server.url, login.body.token).users.me.query();
    const socket = wsClient(server.url, { token: login.body.token });
    await socket.client.users.me.query();
    socket.close();
    await rest(server.url, "GET", `/me?token=${login.body.token}`);
    await rest(server.url, "DELETE", "/sessions/current", { token: login.body.token });

    const log = lines.join("");
    expect(lines.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(7);
    for (const secret of [
      alice.token,
      login.body.token,
      "alice's long password",
      "a wrong password!",
      "the next long password",
    ]) {
      expect(log).not.toContain(secret);
    }
  });

  it("tag each request's log line with the id answered in X-Request-Id", async () => {
    const fresh = await fetch(`${server.url}/healthz`);
    const id = fresh.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const forwarded = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": "lb-7f3a.42" } });
    expect(forwarded.headers.get("x-request-id")).toBe("lb-7f3a.42");
    const hostile = await fetch(`${server.url}/healthz`, { headers: { "x-request-id": 'a b"}{' } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const requestLines = lines.filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line));
    for (const expected of [id, "lb-7f3a.42"]) {
      expect(requestLines.some((line) => line.reqId === expected && line.path === "/healthz")).toBe(true);
    }
  });
});
