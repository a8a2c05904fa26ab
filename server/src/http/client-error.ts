import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { ERROR_HTTP_STATUS, type ErrorBody } from "@natter/shared";
import { BASE_HEADERS } from "./responses.js";

/** Node's parser errors that a natter error body answers; any other is answered as Node would. */
const BODIES: Readonly<Record<string, ErrorBody>> = {
  HPE_HEADER_OVERFLOW: { code: "HEADERS_TOO_LARGE", message: "The request's headers are too large (16 KiB at most)" },
};

/**
 * The `clientError` listener of natter's HTTP server: what Node answers by itself to a request
 * it cannot parse, with natter's error body where natter has a code for it. Headers too large
 * get 431 `HEADERS_TOO_LARGE` with the body every other answer has (Node sent a bare 431);
 * timeouts get Node's 408, other malformed requests 400 `MALFORMED_REQUEST`. The connection
 * always closes: Node stops reading it.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node's own listener: nothing to answer on a connection reset or an answer already begun.
  const begun = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (error.code === "ECONNRESET" || !socket.writable || begun) {
    socket.destroy();
    return;
  }
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") {
    socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n");
    return;
  }
  const body = BODIES[error.code ?? ""] ?? { code: "MALFORMED_REQUEST", message: "The request is not valid HTTP" };
  const status = ERROR_HTTP_STATUS[body.code];
  const payload = JSON.stringify({ error: body });
  const headers = {
    ...BASE_HEADERS,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(payload)),
    Connection: "close",
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join("")}\r\n${payload}`);
}
