import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, grantServerAdmin, rawHttp, signUp, startTestServer, type TestServer } from "../harness/index.js";

const PROTOTYPE_KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"];

/**
 * Query keys named like `Object.prototype` members once threw inside the REST query
 * parser: a 500 and a stack trace logged at error level for every such request.
 */
describe("query keys named like Object.prototype members", () => {
  const logLines: string[] = [];
  let server: TestServer;
  let token: string;
  let fill: (path: string) => string;
  let operations: [string, string][];
  beforeAll(async () => {
    server = await startTestServer({ logLines });
    const user = await signUp(server.url);
    // A server admin, so that the admin paths reach input validation instead of a 403.
    await grantServerAdmin(server.databaseUrl, user.username);
    token = user.token;
    const room = await createRoom(server.url, token);
    fill = (path) => path.replace("{roomId}", room.id).replace("{userId}", user.id).replace("{messageId}", room.id);
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => method === "get" || method === "delete")
        .filter(() => path !== "/sessions/current")
        .map((method) => [method.toUpperCase(), path] as [string, string]),
    );
  });
  afterAll(() => server.stop());

  it("answers every REST GET and DELETE with 400, naming the key, and logs no error", async () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
    const answers: string[] = [];
    for (const [method, path] of operations) {
      for (const key of PROTOTYPE_KEYS) {
        for (const query of [`${key}=1`, `${key}=1&${key}=2`, `${key}[x]=1`]) {
          const res = await rawHttp(server.url, method, `/api/v1${fill(path)}?${query}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const { error } = JSON.parse(res.body);
          answers.push(`${method} ${path}?${query} -> ${res.status} ${error?.code}`);
          expect(res.status, `${method} ${path}?${query}: ${res.body}`).toBe(400);
          expect(error.code).toBe("VALIDATION_FAILED");
        }
      }
    }
    expect(answers.length).toBe(operations.length * PROTOTYPE_KEYS.length * 3);
    expect(logLines.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });
});
