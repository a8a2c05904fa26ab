import { request } from "node:http";
import { type RestResponse, rest } from "../harness/index.js";

/** Uploads `bytes` as the raw body of `POST /api/v1/uploads`. */
export async function upload(
  baseUrl: string,
  token: string | undefined,
  bytes: Uint8Array,
  contentType = "image/png",
): Promise<RestResponse> {
  const res = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: "POST",
    headers: { "content-type": contentType, ...(token && { authorization: `Bearer ${token}` }) },
    body: bytes,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Uploads `bytes` and answers the upload, failing loudly if the server refuses. */
export async function uploaded(baseUrl: string, token: string, bytes: Uint8Array) {
  const res = await upload(baseUrl, token, bytes);
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.upload as { id: string; url: string; sha256: string; size: number; contentType: string };
}

/** GETs (or HEADs) an upload's URL, with the token when given. */
export async function fetchContent(
  baseUrl: string,
  url: string,
  { token, method = "GET", headers = {} }: { token?: string; method?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(new URL(url, baseUrl), {
    method,
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...headers },
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** An upload in progress over a plain HTTP request, that the test can cut short. */
export interface PartialUpload {
  write(bytes: Buffer): Promise<void>;
  /** Ends the connection without sending the rest; resolves once it is closed. */
  abort(): Promise<void>;
  /** Sends the last bytes and answers the response's status (0: the connection failed). */
  finish(bytes: Buffer): Promise<number>;
}

/** Starts a raw upload that announces `declaredLength` bytes. */
export function startUpload(baseUrl: string, token: string, declaredLength: number): PartialUpload {
  const req = request(`${baseUrl}/api/v1/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "image/png", "content-length": declaredLength },
  });
  const closed = new Promise<void>((resolve) => req.on("close", () => resolve()));
  const status = new Promise<number>((resolve) => {
    req.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("close", () => resolve(0));
  });
  req.on("error", () => undefined);
  return {
    write: (bytes) =>
      new Promise((resolve, reject) => req.write(bytes, (error) => (error ? reject(error) : resolve()))),
    abort: () => {
      req.destroy();
      return closed;
    },
    finish: (bytes) => {
      req.end(bytes);
      return status;
    },
  };
}

/** Sends a message with attachments over REST. */
export function sendWithAttachments(
  baseUrl: string,
  token: string,
  roomId: string,
  attachmentIds: string[],
  body = "look",
) {
  return rest(baseUrl, "POST", `/rooms/${roomId}/messages`, { token, body: { body, attachmentIds } });
}
