import { Agent, request } from "node:http";

// Keep-alive, as a real client's: a new connection per send would be measured. Idle pooled
// sockets are unref'd by the agent, so they never hold a bench process open.
const agent = new Agent({ keepAlive: true });

/**
 * POSTs JSON to a natter REST path and answers the parsed body; throws on a non-2xx answer.
 * Over node:http rather than `fetch`: on Node 20 a `fetch` cost the publishing bench about
 * 1.5 ms of CPU per send, which shares the cores with the server under test.
 */
export function postJson(url: string, path: string, body: unknown, token?: string): Promise<any> {
  const payload = JSON.stringify(body);
  const headers = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(payload)),
    ...(token && { authorization: `Bearer ${token}` }),
  };
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v1${path}`, { agent, method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(new Error(`${path}: ${status} ${text}`));
        resolve(JSON.parse(text));
      });
      res.once("error", reject);
    });
    req.once("error", reject);
    req.end(payload);
  });
}

/**
 * Calls a natter REST path with `fetch` (a browser's way) and answers the parsed body, if any;
 * throws on an answer of 300 or more. For benches that measure a reader's side as an app has it.
 */
export async function fetchJson(url: string, method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
