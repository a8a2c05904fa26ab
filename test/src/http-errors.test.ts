import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness/index.js";

/** Every error answer is natter's error body, with no stack trace anywhere in it. */
function expectCleanError(text: string, code: string) {
  const body = JSON.parse(text);
  expect(body.error.code).toBe(code);
  expect(text).not.toMatch(/stack|at .*\.(ts|js):\d+/i);
}

describe("bad requests", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const post = (path: string, body: string, contentType = "application/json") =>
    fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": contentType }, body });

  it("answers malformed JSON with 400 MALFORMED_REQUEST", async () => {
    const res = await post("/api/v1/users", '{"username": "x",');
    expect(res.status).toBe(400);
    expectCleanError(await res.text(), "MALFORMED_REQUEST");
  });

  it("answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE", async () => {
    const res = await post("/api/v1/users", "username=x&password=y", "application/x-www-form-urlencoded");
    expect(res.status).toBe(415);
    expectCleanError(await res.text(), "UNSUPPORTED_MEDIA_TYPE");
  });

  it("accepts JSON with a charset parameter", async () => {
    const res = await post(
      "/api/v1/users",
      JSON.stringify({ username: "charset_ok", password: "long enough" }),
      "application/json; charset=utf-8",
    );
    expect(res.status).toBe(201);
  });

  it("answers an oversize body with 413 PAYLOAD_TOO_LARGE on REST and tRPC", async () => {
    const huge = JSON.stringify({ username: "big", password: "x".repeat(200_000) });
    const restRes = await post("/api/v1/users", huge);
    expect(restRes.status).toBe(413);
    expectCleanError(await restRes.text(), "PAYLOAD_TOO_LARGE");
    const trpcRes = await post("/trpc/auth.signUp", huge);
    expect(trpcRes.status).toBe(413);
    const trpcBody = await trpcRes.text();
    expect(JSON.parse(trpcBody).error.data.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(trpcBody).not.toContain("stack");
  });

  it("answers tRPC validation errors with VALIDATION_FAILED and the failing field, without a stack", async () => {
    const res = await post("/trpc/auth.signUp", JSON.stringify({ username: "ok_name", password: "short" }));
    expect(res.status).toBe(400);
    const text = await res.text();
    const { error } = JSON.parse(text);
    expect(error.data.error).toMatchObject({ code: "VALIDATION_FAILED", issues: [{ path: "password" }] });
    expect(text).not.toContain("stack");
  });

  it("refuses unknown fields by name instead of dropping them, on REST and tRPC", async () => {
    const signUp = await post(
      "/api/v1/users",
      JSON.stringify({ username: "strict_1", password: "long enough", Admin: true }),
    );
    expect(signUp.status).toBe(400);
    expect(((await signUp.json()) as any).error).toMatchObject({
      code: "VALIDATION_FAILED",
      issues: [{ path: "Admin", message: "unknown field" }],
    });
    const viaTrpc = await post("/trpc/auth.logIn", JSON.stringify({ username: "x", password: "y", remember: 1 }));
    expect(((await viaTrpc.json()) as any).error.data.error.issues).toEqual([
      { path: "remember", message: "unknown field" },
    ]);
    const query = await fetch(`${server.url}/api/v1/rooms?scope=all&sort=name`);
    expect(query.status).toBe(400);
    expect(((await query.json()) as any).error.issues).toEqual([{ path: "sort", message: "unknown field" }]);
  });

  it("answers unknown paths and procedures with 404 NOT_FOUND", async () => {
    const page = await fetch(`${server.url}/no/such/page`);
    expect(page.status).toBe(404);
    expectCleanError(await page.text(), "NOT_FOUND");
    const restPath = await fetch(`${server.url}/api/v1/no-such-thing`);
    expect(restPath.status).toBe(404);
    expectCleanError(await restPath.text(), "NOT_FOUND");
    const procedure = await fetch(`${server.url}/trpc/no.such.procedure`);
    expect(procedure.status).toBe(404);
  });

  it("answers a wrong method on a page with 405 METHOD_NOT_ALLOWED", async () => {
    const res = await fetch(`${server.url}/openapi.json`, { method: "DELETE" });
    expect(res.status).toBe(405);
    expectCleanError(await res.text(), "METHOD_NOT_ALLOWED");
  });
});
