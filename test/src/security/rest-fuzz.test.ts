import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, signUp, startTestServer, type TestServer } from "../harness/index.js";

/** Values of the wrong type, shape or size for any field. */
const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  "",
  " ",
  "x".repeat(10_000),
  true,
  [],
  ["a"],
  {},
  { nested: { deep: [1] } },
  "__proto__",
  "\u0000",
  "1e309",
  "9".repeat(30),
];
/** Raw query values: REST coerces these itself. */
const ODD_QUERY = ["", "x".repeat(3000), "-1", "1e309", "abc", "%00", "[]", "null", "9".repeat(30), "0x10", "1.5"];
/** Path segments that are not ids. */
const ODD_SEGMENTS = ["x".repeat(100), "%00", "..%2F..", "%2F", "null", "%E0%A4%A", "%C3%A9", "%20"];
/** Raw bodies that are not the object an operation expects. */
const ODD_BODIES = [
  "",
  "null",
  "[]",
  "1",
  '"s"',
  "{",
  "{}",
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{}}}',
];

interface Operation {
  method: string;
  path: string;
  queryParams: string[];
  bodyFields: string[];
}

/**
 * Every REST operation the OpenAPI document lists, called with malformed input of every
 * kind: the server answers each with a 4xx (or a success) and natter's error body, never
 * with a 500 or anything else.
 */
describe("malformed input on every REST operation", () => {
  let server: TestServer;
  let token: string;
  let operations: Operation[];
  let fill: (path: string) => string;

  beforeAll(async () => {
    server = await startTestServer();
    const user = await signUp(server.url);
    token = user.token;
    const room = await createRoom(server.url, token);
    fill = (path) => path.replace("{roomId}", room.id).replace("{userId}", user.id).replace("{messageId}", room.id);
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
    operations = Object.entries<Record<string, any>>(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        // Logging out or changing the password would end the session the rest of the run uses.
        .filter(([method]) => !(path === "/sessions/current" || (path === "/me/password" && method === "put")))
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          path,
          queryParams: (op.parameters ?? []).filter((p: any) => p.in === "query").map((p: any) => p.name),
          bodyFields: Object.keys(op.requestBody?.content?.["application/json"]?.schema?.properties ?? {}),
        })),
    );
  });
  afterAll(() => server.stop());

  /** Calls one operation and says what is wrong with the answer, if anything. */
  async function problemWith(method: string, path: string, body?: string, contentType = "application/json") {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { "content-type": contentType }) },
      ...(body !== undefined && { body }),
    });
    const text = await res.text();
    const label = `${method} ${path.slice(0, 80)} ${body?.slice(0, 60) ?? ""} -> ${res.status} ${text.slice(0, 160)}`;
    if (res.status >= 500) return label;
    if (res.status < 400) return undefined;
    try {
      const { error } = JSON.parse(text);
      if (typeof error?.code === "string" && typeof error?.message === "string") return undefined;
    } catch {}
    return label;
  }

  it("documents at least every operation of the accounts, rooms and messages issues", () => {
    expect(operations.length).toBeGreaterThanOrEqual(22);
  });

  it("never answers 500, and always answers errors with natter's error body", async () => {
    const problems: string[] = [];
    const check = async (...args: Parameters<typeof problemWith>) => {
      const problem = await problemWith(...args);
      if (problem) problems.push(problem);
    };
    for (const op of operations) {
      const hasBody = op.method !== "GET" && op.method !== "DELETE";
      const segments = op.path.match(/\{[^}]+\}/g) ?? [];
      for (const [index] of segments.entries()) {
        for (const odd of ODD_SEGMENTS) {
          let seen = -1;
          const path = op.path.replace(/\{[^}]+\}/g, (segment) => (++seen === index ? odd : fill(segment)));
          await check(op.method, path, hasBody ? "{}" : undefined);
        }
      }
      for (const param of op.queryParams) {
        for (const odd of ODD_QUERY) await check(op.method, `${fill(op.path)}?${param}=${encodeURIComponent(odd)}`);
        await check(op.method, `${fill(op.path)}?${param}=1&${param}=2`);
      }
      if (!hasBody) continue;
      for (const raw of ODD_BODIES) await check(op.method, fill(op.path), raw);
      for (const field of op.bodyFields) {
        for (const odd of ODD_VALUES) await check(op.method, fill(op.path), JSON.stringify({ [field]: odd }));
      }
      await check(op.method, fill(op.path), JSON.stringify({ unexpected: "field" }));
      await check(op.method, fill(op.path), "{}", "text/plain");
      await check(op.method, fill(op.path), "{}", "application/json; charset=latin1");
    }
    expect(problems).toEqual([]);
  });
});
