import { createServer, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerTokenOf } from "./bearer-token.js";

/** What a request's token reads as: the token, or the refusal's message. */
function tokenOrRefusal(read: () => string | undefined): string | undefined {
  try {
    return read();
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

/** The same rule read from Node's `headersDistinct`, as `bearerTokenOf` read it before. */
function fromHeadersDistinct(req: IncomingMessage): string | undefined {
  const headers = req.headersDistinct.authorization;
  if (!headers) return undefined;
  const match = headers.length === 1 ? /^Bearer\s+(\S+)\s*$/i.exec(headers[0] ?? "") : null;
  if (!match?.[1]) throw new Error("Send one token as `Authorization: Bearer <token>`");
  return match[1];
}

describe("bearerTokenOf", () => {
  const seen: Array<{ ours: string | undefined; node: string | undefined }> = [];
  const server = createServer((req, res) => {
    seen.push({ ours: tokenOrRefusal(() => bearerTokenOf(req)), node: tokenOrRefusal(() => fromHeadersDistinct(req)) });
    res.end();
  });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Sends a request with exactly these header lines (duplicates and case as written) and waits for its answer. */
  function request(headerLines: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end(`GET / HTTP/1.1\r\nHost: x\r\n${headerLines.map((line) => `${line}\r\n`).join("")}\r\n`);
      });
      socket.on("data", () => socket.destroy());
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
  }

  it("reads the Authorization headers as Node's headersDistinct holds them", async () => {
    const cases = [
      [],
      ["Authorization: Bearer abc"],
      ["authorization: bearer  abc  "],
      ["AUTHORIZATION: Bearer abc", "X-Other: 1"],
      ["Authorization: Bearer abc", "Authorization: Bearer abc"],
      ["Authorization: Bearer abc", "authorization: Bearer def"],
      ["Authorization: Basic abc"],
      ["Authorization: Bearer a b"],
      ["Authorization:"],
      ["X-Authorization: Bearer abc"],
      ["Authorizations: Bearer abc"],
    ];
    for (const lines of cases) await request(lines);
    expect(seen).toHaveLength(cases.length);
    for (const { ours, node } of seen)
      expect(ours?.replace(/^refused: .*/, "refused")).toBe(node?.replace(/^refused: .*/, "refused"));
    expect(seen.map(({ ours }) => ours)).toEqual([
      undefined,
      "abc",
      "abc",
      "abc",
      "refused: Send one token as `Authorization: Bearer <token>`",
      "refused: Send one token as `Authorization: Bearer <token>`",
      "refused: Send one token as `Authorization: Bearer <token>`",
      "refused: Send one token as `Authorization: Bearer <token>`",
      "refused: Send one token as `Authorization: Bearer <token>`",
      undefined,
      undefined,
    ]);
  });
});
