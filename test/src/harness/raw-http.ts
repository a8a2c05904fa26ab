import { connect } from "node:net";

/** An HTTP answer read off the wire: status, lower-cased headers and the body as text. */
export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends one HTTP/1.1 request exactly as written, over a plain socket: the path is not
 * normalised (`..` and `%2e%2e` reach the server as typed) and no header is added besides
 * `Host` and `Connection: close`, so a POST can go out without any body or Content-Length
 * the way `curl -X POST` sends it.
 */
export function rawHttp(
  baseUrl: string,
  method: string,
  path: string,
  { headers = {}, body }: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawHttpResponse> {
  const { hostname, port } = new URL(baseUrl);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const request = `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`;
  return new Promise((resolve, reject) => {
    // Written, not ended: a client that half-closes may see the server drop its answer.
    const socket = connect(Number(port), hostname, () => socket.write(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf("\r\n\r\n");
      const [statusLine = "", ...headerLines] = raw.subarray(0, split).toString("latin1").split("\r\n");
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const payload = raw.subarray(split + 4);
      const body = parsed["transfer-encoding"] === "chunked" ? unchunk(payload) : payload;
      resolve({ status: Number(statusLine.split(" ")[1]), headers: parsed, body: body.toString("utf8") });
    });
  });
}

/** The payload of a chunked body. */
function unchunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = raw;
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    const size = Number.parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
    if (!size) return Buffer.concat(parts);
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}
