import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { openRawSocket, signUp, startTestServer, uniqueUsername } from "./harness/index.js";

describe("graceful shutdown", () => {
  it("tells WebSockets it is going away, finishes requests in flight, then closes the database", async () => {
    const server = await startTestServer();
    const alice = await signUp(server.url);
    const socket = await openRawSocket(server.url, { token: alice.token });
    socket.call(1, "query", "users.me");
    await socket.next((message) => message.includes('"id":1'));

    // A sign-up whose body is still on its way when the shutdown starts.
    const body = JSON.stringify({ username: uniqueUsername("late"), password: "correct horse battery" });
    const arrived = new Promise<void>((resolve) => server.httpServer.once("request", () => resolve()));
    // The stop, once started: awaited before the test ends, so that its clean-up (the test's own
    // PostgreSQL database and Redis keys) is done before the test file's process goes.
    let closing: Promise<void> | undefined;
    const { port } = new URL(server.url);
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: "/api/v1/users",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = "";
          res.on("data", (chunk) => {
            text += String(chunk);
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.write(body.slice(0, 10));
      arrived.then(() => {
        closing = server.stop();
        req.end(body.slice(10));
        closing.catch(reject);
      });
    });

    const [closed, response] = await Promise.all([socket.closed, answered]);
    expect(closed).toEqual({ code: 1001, reason: "server shutting down" });
    expect(response.status, response.text).toBe(201);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    await closing;
  });
});
