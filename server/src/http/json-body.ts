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
  const [type = "", ...parameters] = (contentType ?? "").split(";").map((part) => part.trim().toLowerCase());
  if (type !== "application/json") return false;
  return parameters.every((parameter) => !parameter.startsWith("charset=") || /^charset="?utf-8"?$/.test(parameter));
}

async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
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
