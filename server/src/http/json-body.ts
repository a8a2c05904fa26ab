import type { IncomingMessage } from "node:http";
import { LIMITS, NatterError } from "@natter/shared";

/** A request whose JSON body the guards have read already (undefined when it has none). */
export type RequestWithBody = IncomingMessage & { body?: unknown };

/** Methods whose requests carry a body worth reading. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * Reads a request's JSON body once, before any handler: bounded in size
 * (`LIMITS.maxRequestBodyBytes`, 413) and nesting (`LIMITS.maxJsonDepth`, 400, so that no
 * parser or validator recurses without end), JSON only (415), and leaves it parsed in
 * `req.body`. A request without any body (`curl -X POST` sends no Content-Length at all)
 * has none: the procedure sees no input, as if `{}` had been sent.
 */
export async function readJsonBody(req: RequestWithBody): Promise<void> {
  if (!BODY_METHODS.has(req.method ?? "")) return;
  await readJsonBodyOf(req);
}

/** `readJsonBody` whatever the method: for a route whose DELETE takes a body (`DELETE /me`). */
export async function readJsonBodyOf(req: RequestWithBody): Promise<void> {
  if (Number(req.headers["content-length"] ?? 0) > LIMITS.maxRequestBodyBytes) throw tooLarge();
  const text = await readText(req, LIMITS.maxRequestBodyBytes);
  const contentType = req.headers["content-type"];
  // Both REST and tRPC read the body as JSON from here on, whatever parameters its type had.
  req.headers["content-type"] = "application/json";
  req.body = undefined;
  if (text.trim() === "") return;
  if (!isJson(contentType)) {
    throw new NatterError("UNSUPPORTED_MEDIA_TYPE", "Send the body as JSON with Content-Type: application/json");
  }
  if (nestingExceeds(text, LIMITS.maxJsonDepth)) {
    throw new NatterError("MALFORMED_REQUEST", `The JSON body nests deeper than ${LIMITS.maxJsonDepth} levels`);
  }
  try {
    req.body = JSON.parse(text);
  } catch (cause) {
    throw new NatterError("MALFORMED_REQUEST", "The request is not valid JSON", undefined, { cause });
  }
}

/** `application/json`, with no charset or UTF-8 (JSON is UTF-8 on the wire, RFC 8259). */
function isJson(contentType: string | undefined): boolean {
  // What every client of ours sends, answered without splitting it.
  if (contentType === "application/json") return true;
  const [type = "", ...parameters] = (contentType ?? "").split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return parameters.every((parameter) => !parameter.startsWith("charset=") || /^charset="?utf-8"?$/.test(parameter));
}

/**
 * The body's text, refused once it outgrows `limit`. Read with `data` and `end` listeners, not
 * `for await`: a stream's async iterator (its generator, end-of-stream watcher and a promise
 * per chunk) cost a few µs of every request, most of which carry one small chunk.
 */
function readText(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (req.destroyed) {
      reject(new Error("the request was closed before its body was read"));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // As leaving a `for await` loop did: the request is destroyed, its rest never read.
        req.destroy();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error("the request was closed before its body was read"));
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

function tooLarge(): NatterError {
  return new NatterError("PAYLOAD_TOO_LARGE", "The request body is too large");
}

/** Whether arrays and objects nest deeper than `max` anywhere in a JSON text (strings skipped). */
export function nestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > max) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}
