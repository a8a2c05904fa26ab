import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";

/** A PNG that every image check accepts (1×1, complete). */
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/**
 * A full disk under a running server, for real: its SQLite file and uploads live on a small
 * tmpfs of their own (mounted as root), which the test fills to the last byte. Writes are
 * answered 503 UNAVAILABLE with `Retry-After`, never 500; `/readyz` names the full disk;
 * once space is freed the server writes again.
 */
describe("a full disk", () => {
  let dir: string;
  let server: TestServer;
  let owner: TestUser;
  let roomId: string;
  const filler = () => join(dir, "filler");
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-disk-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", dir]);
    server = await startTestServer({ dir, config: { rateLimits: "off" }, logLines });
    owner = await signUp(server.url);
    roomId = (await createRoom(server.url, owner.token)).id;
  });
  afterAll(async () => {
    await server?.stop();
    execFileSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes until the disk refuses another byte. */
  const fillDisk = () => {
    const fd = openSync(filler(), "w");
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    } finally {
      closeSync(fd);
    }
    // The last partial block too.
    const tail = openSync(filler(), "a");
    try {
      for (;;) writeSync(tail, Buffer.alloc(512, 1));
    } catch {
    } finally {
      closeSync(tail);
    }
  };

  const expectUnavailable = (answer: { status: number; headers: Headers; body: any }) => {
    expect(answer.body?.error?.code, logLines.join("\n").slice(0, 3000)).toBe("UNAVAILABLE");
    expect(answer.status).toBe(503);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  };

  it("answers sends, log-ins and uploads 503 UNAVAILABLE with Retry-After, /readyz names the disk, and writes again once space is freed", async () => {
    expect(
      (await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: owner.token, body: { body: "before" } }))
        .status,
    ).toBe(201);
    fillDisk();

    // SQLite may still write into pages its files hold already: send until it needs a new one.
    const body = "x".repeat(3_000);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof rest>> | undefined;
    while (!refused && statuses.length < 2_000) {
      const answer = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: owner.token,
        body: { body },
      });
      statuses.push(answer.status);
      if (answer.status !== 201) refused = answer;
    }
    expect(refused).toBeDefined();
    expectUnavailable(refused as Awaited<ReturnType<typeof rest>>);
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);

    expectUnavailable(
      await rest(server.url, "POST", "/sessions", { body: { username: owner.username, password: owner.password } }),
    );
    const upload = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { "content-type": "image/png", authorization: `Bearer ${owner.token}` },
      body: Buffer.concat([PNG]),
    });
    expectUnavailable({ status: upload.status, headers: upload.headers, body: await upload.json() });

    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as any).checks.disk).toMatch(/disk full/);

    rmSync(filler());
    await expect
      .poll(
        async () =>
          (await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: owner.token, body: { body: "after" } }))
            .status,
      )
      .toBe(201);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
