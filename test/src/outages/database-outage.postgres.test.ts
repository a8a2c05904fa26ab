import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNatterClient } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CuttableProxy,
  createRoom,
  createTestDatabase,
  rest,
  signUp,
  startCuttableProxy,
  startTestServer,
  type TestDatabase,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/**
 * PostgreSQL going down under a running server, for real: the server reaches it through a
 * TCP proxy this test cuts (every connection dropped, new ones refused) and restores. What
 * cannot be done meanwhile is answered 503 UNAVAILABLE with `Retry-After`, never 500, and
 * the SDK's sends wait it out.
 */
describe("a PostgreSQL outage", () => {
  let proxy: CuttableProxy;
  let database: TestDatabase;
  let server: TestServer;
  let dir: string;
  let owner: TestUser;
  let roomId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-db-outage-"));
    database = await createTestDatabase(dir);
    const direct = new URL(database.url);
    proxy = await startCuttableProxy(direct.hostname, Number(direct.port || 5432));
    const proxied = new URL(database.url);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    server = await startTestServer({ dir, database: { ...database, url: proxied.toString() } });
    owner = await signUp(server.url);
    roomId = (await createRoom(server.url, owner.token)).id;
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const expectUnavailable = (answer: { status: number; headers: Headers; body: any }) => {
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe("UNAVAILABLE");
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(answer.body.error.retryAfterSeconds).toBe(Number(answer.headers.get("retry-after")));
  };

  it("answers sends, log-ins and reads 503 UNAVAILABLE with Retry-After, /readyz 503, and serves again once it is back", async () => {
    const sent = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: owner.token,
      body: { body: "before" },
    });
    expect(sent.status).toBe(201);

    await proxy.cut();
    expectUnavailable(
      await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: owner.token, body: { body: "during" } }),
    );
    expectUnavailable(
      await rest(server.url, "POST", "/sessions", { body: { username: owner.username, password: owner.password } }),
    );
    expectUnavailable(await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: owner.token }));
    // tRPC over HTTP: the same status, header and error body.
    const trpc = await fetch(`${server.url}/trpc/messages.send`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ roomId, body: "during, over tRPC" }),
    });
    expect(trpc.status).toBe(503);
    expect(Number(trpc.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await trpc.json()) as any).error.data.error.code).toBe("UNAVAILABLE");
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as any).checks.database).not.toBe("ok");

    await proxy.restore();
    await expect
      .poll(async () => (await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: owner.token })).status)
      .toBe(200);
    const after = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: owner.token,
      body: { body: "after" },
    });
    expect(after.status).toBe(201);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it("has @natter/client retry a send refused for the outage until the database is back, storing it once", async () => {
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    try {
      await proxy.cut();
      let refusals = 0;
      const sending = sdk.sendMessage(roomId, "sent through the outage", {
        onRetry: ({ error }) => {
          refusals += 1;
          expect((error as { data?: { error?: { code?: string } } }).data?.error?.code).toBe("UNAVAILABLE");
          // Back after the first refusal: the retry after `Retry-After` finds it.
          if (refusals === 1) void proxy.restore();
        },
      });
      const message = await sending;
      expect(refusals).toBeGreaterThanOrEqual(1);
      const page = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: owner.token });
      expect(page.body.messages.filter((m: { body: string }) => m.body === "sent through the outage")).toEqual([
        expect.objectContaining({ id: message.id }),
      ]);
    } finally {
      await sdk.close();
    }
  });

  it("answers no 500 when the database ends every connection of the server (pg_terminate_backend)", async () => {
    const sends = Array.from({ length: 20 }, (_, index) =>
      rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: owner.token,
        body: { body: `terminated ${index}` },
      }),
    );
    const { openDatabase } = await import("@natter/db");
    const { sql } = await import("kysely");
    const admin = openDatabase(new URL("/test", database.url).toString().replace(/\/test$/, "/postgres"), {
      poolSize: 1,
    });
    try {
      await sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${new URL(database.url).pathname.slice(1)} and pid <> pg_backend_pid()`.execute(
        admin.db,
      );
    } finally {
      await admin.close();
    }
    const statuses = (await Promise.all(sends)).map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    await expect
      .poll(
        async () =>
          (
            await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
              token: owner.token,
              body: { body: "after terminate" },
            })
          ).status,
      )
      .toBe(201);
  });
});
