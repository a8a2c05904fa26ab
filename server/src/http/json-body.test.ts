import { once } from "node:events";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { LIMITS } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { nestingExceeds, type RequestWithBody, readJsonBodyOf } from "./json-body.js";

describe("nestingExceeds", () => {
  it("counts arrays and objects, not brackets inside strings", () => {
    expect(nestingExceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestingExceeds('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(nestingExceeds(JSON.stringify({ text: "[[[[[[[[{{{{{{" }), 1)).toBe(false);
    expect(nestingExceeds(JSON.stringify({ text: 'quote \\" then [[[[' }), 1)).toBe(false);
    expect(nestingExceeds("[".repeat(100_000), 32)).toBe(true);
  });
});

/**
 * A node:http server that reads each request's body with `readJsonBodyOf` and answers what it
 * read (or the error's message); `send` posts a chunked body (no Content-Length) in pieces.
 */
async function bodyEcho() {
  const server = createServer((req, res) => {
    readJsonBodyOf(req as RequestWithBody).then(
      () => res.end(JSON.stringify({ body: (req as RequestWithBody).body })),
      (error: Error) => res.end(JSON.stringify({ error: error.message })),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const send = (pieces: (string | Buffer)[]) =>
    new Promise<{ answer?: unknown; reset?: boolean }>((resolve) => {
      const req = request({ port, host: "127.0.0.1", method: "POST", headers: { "content-type": "application/json" } });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ answer: JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
      });
      req.on("error", () => resolve({ reset: true }));
      const writeNext = (i: number) => {
        if (i === pieces.length) return req.end();
        // Each piece in a turn of its own, so that the server receives several chunks.
        req.write(pieces[i], () => setImmediate(() => writeNext(i + 1)));
      };
      writeNext(0);
    });
  return { send, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("readJsonBodyOf", () => {
  it("reads a body that arrives in several chunks whole, a multi-byte character split between two", async () => {
    const echo = await bodyEcho();
    try {
      const text = Buffer.from(JSON.stringify({ body: "héllo 👋 wörld", n: 2 }));
      // Cut inside the emoji's four bytes: the chunks are joined before they are decoded.
      const at = text.indexOf(Buffer.from("👋")) + 2;
      const pieces = [text.subarray(0, 5), text.subarray(5, at), text.subarray(at)];
      expect(await echo.send(pieces)).toEqual({ answer: { body: { body: "héllo 👋 wörld", n: 2 } } });
    } finally {
      await echo.close();
    }
  });

  it("refuses a chunked body once it outgrows the limit, and does not read the rest", async () => {
    const echo = await bodyEcho();
    try {
      const piece = "x".repeat(64 * 1024);
      const pieces = [
        '{"body":"',
        ...Array.from({ length: Math.ceil(LIMITS.maxRequestBodyBytes / piece.length) + 2 }, () => piece),
        '"}',
      ];
      const outcome = await echo.send(pieces);
      // The request is destroyed with its connection: the client sees it cut, not a body read to the end.
      expect(outcome).toEqual({ reset: true });
    } finally {
      await echo.close();
    }
  });
});
