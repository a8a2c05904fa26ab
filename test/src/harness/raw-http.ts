import { connect, type Socket } from "node:net";

/** An HTTP answer read off the wire: status, lower-cased headers and the body as text. */
export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** How `rawHttp` writes a request: its headers beyond `Host` and `Connection: close`, and its body. */
export interface RawHttpOptions {
  headers?: Record<string, string>;
  body?: string;
  /** An answer that is an event stream (which never ends by itself) is taken at its headers and let go. */
  streams?: boolean;
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
  options: RawHttpOptions = {},
): Promise<RawHttpResponse> {
  const { hostname, port } = new URL(baseUrl);
  const request = requestText(baseUrl, method, path, options);
  // Written, not ended: a client that half-closes may see the server drop its answer.
  const socket = connect(Number(port), hostname, () => socket.write(request));
  return answerOn(socket, options.streams === true);
}

/**
 * Sends several requests as `rawHttp` does, each over its own socket, written all at once: a
 * server in this process then reads them in one turn of its event loop (what a burst of
 * clients looks like to it). Each socket first carries a `GET /healthz` and waits for its
 * answer, so that the server has accepted every connection before the requests go: one it
 * had yet to accept would be read a turn (or several) later.
 */
export async function rawHttpTogether(
  baseUrl: string,
  requests: readonly { method: string; path: string; options?: RawHttpOptions }[],
): Promise<RawHttpResponse[]> {
  const { hostname, port } = new URL(baseUrl);
  const opener = `GET /healthz HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`;
  const sockets = await Promise.all(
    requests.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(Number(port), hostname, () => socket.write(opener));
          socket.once("error", reject);
          let read = Buffer.alloc(0);
          const onData = (chunk: Buffer) => {
            read = Buffer.concat([read, chunk]);
            if (!answeredWhole(read)) return;
            socket.off("data", onData);
            resolve(socket);
          };
          socket.on("data", onData);
        }),
    ),
  );
  const answers = sockets.map((socket, i) => answerOn(socket, requests[i]?.options?.streams === true));
  for (const [i, { method, path, options = {} }] of requests.entries()) {
    sockets[i]?.write(requestText(baseUrl, method, path, options));
  }
  return Promise.all(answers);
}

/** Whether `raw` holds a whole answer (its headers and its body, by length or chunks). */
function answeredWhole(raw: Buffer): boolean {
  const split = raw.indexOf("\r\n\r\n");
  if (split === -1) return false;
  const head = raw.subarray(0, split).toString("latin1").toLowerCase();
  const length = /\r\ncontent-length: *(\d+)/.exec(head)?.[1];
  if (length !== undefined) return raw.length - split - 4 >= Number(length);
  return raw.subarray(split + 4).includes("0\r\n\r\n");
}

/** A request as `rawHttp` writes it. */
function requestText(baseUrl: string, method: string, path: string, { headers = {}, body }: RawHttpOptions): string {
  const { hostname, port } = new URL(baseUrl);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`;
}

/** The answer read off `socket` (see `RawHttpOptions.streams`). */
function answerOn(socket: Socket, streams: boolean): Promise<RawHttpResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const head = (raw: Buffer) => {
      const split = raw.indexOf("\r\n\r\n");
      const [statusLine = "", ...headerLines] = raw.subarray(0, split).toString("latin1").split("\r\n");
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      return { split, status: Number(statusLine.split(" ")[1]), headers: parsed };
    };
    socket.on("data", (chunk) => {
      chunks.push(chunk);
      if (!streams) return;
      const { split, status, headers: parsed } = head(Buffer.concat(chunks));
      if (split === -1 || !parsed["content-type"]?.startsWith("text/event-stream")) return;
      resolve({ status, headers: parsed, body: "" });
      socket.destroy();
    });
    socket.on("error", reject);
    socket.on("end", () => {
      const raw = Buffer.concat(chunks);
      const { split, status, headers: parsed } = head(raw);
      const payload = raw.subarray(split + 4);
      const body = parsed["transfer-encoding"] === "chunked" ? unchunk(payload) : payload;
      resolve({ status, headers: parsed, body: body.toString("utf8") });
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

/** One event of a `text/event-stream` as the wire carried it. */
export interface StreamedEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** A `text/event-stream` answer read off a plain socket as it arrives. */
export interface RawEventStream {
  status: number;
  headers: Record<string, string>;
  /** The body so far, when the answer is no stream (an error's JSON), once it has ended. */
  body(): string;
  /** Every event received so far, in order. */
  events: StreamedEvent[];
  /** Every comment line received so far (`: heartbeat` as `heartbeat`). */
  comments: string[];
  /** Set once the server ended the answer. */
  ended: boolean;
  /** Resolves once the server has ended the answer. */
  closed: Promise<void>;
  /** Stops reading from the socket (a slow reader), or reads again. */
  pause(): void;
  resume(): void;
  close(): void;
}

/**
 * Sends one GET over a plain socket and reads the answer as a stream, parsing Server-Sent
 * Events as they come: resolves once the status line and headers are in. Chunked bodies are
 * decoded as they arrive, so nothing a client library might smooth over is hidden.
 */
export function rawEventStream(
  baseUrl: string,
  path: string,
  { headers = {} }: { headers?: Record<string, string> } = {},
): Promise<RawEventStream> {
  const { hostname, port } = new URL(baseUrl);
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${lines.join("\r\n")}\r\n\r\n`));
    let raw = Buffer.alloc(0);
    let stream: RawEventStream | undefined;
    let chunked = false;
    let text = "";
    let endClosed: () => void = () => {};
    const closed = new Promise<void>((resolveClosed) => {
      endClosed = resolveClosed;
    });
    const parseEvents = () => {
      if (!stream) return;
      for (let end = text.indexOf("\n\n"); end !== -1; end = text.indexOf("\n\n")) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event: StreamedEvent = { id: undefined, event: undefined, data: "" };
        let hasData = false;
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) {
            stream.comments.push(line.slice(1).trim());
            continue;
          }
          const colon = line.indexOf(":");
          const field = colon === -1 ? line : line.slice(0, colon);
          const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "id") event.id = value;
          else if (field === "event") event.event = value;
          else if (field === "data") {
            event.data = hasData ? `${event.data}\n${value}` : value;
            hasData = true;
          }
        }
        if (hasData) stream.events.push(event);
      }
    };
    /** Moves what `raw` holds of the body into `text`, unchunking as far as it can. */
    const takeBody = () => {
      if (!chunked) {
        text += raw.toString("utf8");
        raw = Buffer.alloc(0);
        return;
      }
      for (;;) {
        const lineEnd = raw.indexOf("\r\n");
        if (lineEnd === -1) return;
        const size = Number.parseInt(raw.subarray(0, lineEnd).toString("latin1"), 16);
        if (raw.length < lineEnd + 2 + size + 2) return;
        text += raw.subarray(lineEnd + 2, lineEnd + 2 + size).toString("utf8");
        raw = raw.subarray(lineEnd + 2 + size + 2);
        if (size === 0) return;
      }
    };
    socket.on("data", (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      if (!stream) {
        const split = raw.indexOf("\r\n\r\n");
        if (split === -1) return;
        const [statusLine = "", ...headerLines] = raw.subarray(0, split).toString("latin1").split("\r\n");
        const parsed: Record<string, string> = {};
        for (const line of headerLines) {
          const colon = line.indexOf(":");
          parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        chunked = parsed["transfer-encoding"] === "chunked";
        raw = raw.subarray(split + 4);
        stream = {
          status: Number(statusLine.split(" ")[1]),
          headers: parsed,
          body: () => text,
          events: [],
          comments: [],
          ended: false,
          closed,
          pause: () => socket.pause(),
          resume: () => socket.resume(),
          close: () => socket.destroy(),
        };
        resolve(stream);
      }
      takeBody();
      parseEvents();
    });
    socket.on("error", reject);
    socket.on("close", () => {
      if (stream) stream.ended = true;
      endClosed();
    });
  });
}
