import type { ServerResponse } from "node:http";
import { NatterError } from "@natter/shared";
import { TRPCError } from "@trpc/server";
import type { Logger } from "pino";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import type { RequestContext } from "../trpc/context.js";
import { toErrorBody } from "../trpc/error-mapping.js";
import type { ProcedureMeta } from "../trpc/meta.js";
import { type AnyProcedure, connectionSignal, runProcedure } from "../trpc/procedure-core.js";
import { procedureMeta, responseHeadersFor } from "../trpc/procedure-meta.js";
import { jsonBody } from "./ascii-json.js";
import { httpContextFactory } from "./create-context.js";
import type { RequestWithBody } from "./json-body.js";
import { decodePathSegment } from "./request-path.js";
import { BASE_HEADERS, sendError } from "./responses.js";

/** One REST operation: a procedure with OpenAPI meta, and how its input is read. */
interface RestOperation {
  /** Its path and method as documented, path parameters as named groups. */
  pattern: RegExp;
  /** The procedure's dotted path, such as `messages.send`. */
  path: string;
  procedure: AnyProcedure;
  type: "query" | "mutation";
  /** Whether its input comes from the JSON body (POST, PUT, PATCH) or the query (GET, DELETE). */
  usesBody: boolean;
  /** Whether it takes no input at all (`z.void()` and the like). */
  takesNoInput: boolean;
  /** Query keys whose field is an array: a single value becomes a one-element array. */
  arrayKeys: readonly string[];
  /** Makes the input schema coerce strings to numbers, booleans and dates; once, at its first call. */
  coerce: (() => void) | undefined;
}

/**
 * Serves the REST paths of every procedure with OpenAPI meta; called with the path below the
 * prefix. It reads a call as trpc-to-openapi's node adapter does (input from the body or the query plus the path parameters, the same coercion of the input
 * schema) and runs the procedure as tRPC's caller does (`runProcedure`), straight from
 * node:http's request and response: no web `Request`, `AbortSignal` or recorded answer per
 * call. Paths match exactly as documented (`exactPathPattern`), where trpc-to-openapi ignores a
 * trailing slash and case. trpc-to-openapi still generates `/openapi.json` from the same meta. A success is
 * written as JSON with the procedure's success status; an error by natter's one renderer
 * (`toErrorBody`, `sendError`).
 * The guards in front (`readJsonBody`) have read the body as JSON already.
 */
export function createRestHandler(router: AppRouter, services: Services, logger: Logger, proxies: TrustedProxies) {
  const createContext = httpContextFactory(services, "rest", proxies);
  // Made at the first REST call: trpc-to-openapi is over half the server's code.
  let operations: Promise<Map<string, RestOperation[]>> | undefined;

  return async (req: RequestWithBody, res: ServerResponse, target: string) => {
    operations ??= restOperations(router);
    const query = parseQuery(target);
    const method = req.method ?? "";
    const pathname = pathnameOf(target);
    const found = findOperation((await operations).get(method), pathname);
    let ctx: RequestContext | undefined;
    try {
      if (!found) {
        // trpc-to-openapi answers HEAD on any REST path with an empty 204 (a warm-up call).
        if (method === "HEAD") {
          res.writeHead(204, { "Content-Type": "application/json" });
          res.end();
          return;
        }
        throw new TRPCError({ message: "Not found", code: "NOT_FOUND" });
      }
      const { operation, pathInput } = found;
      const input = operation.takesNoInput ? undefined : { ...restInput(req, operation, query), ...pathInput };
      if (operation.coerce) {
        operation.coerce();
        operation.coerce = undefined;
      }
      ctx = await createContext({ req });
      const { path, type, procedure } = operation;
      const output = await runProcedure(procedure, {
        path,
        type,
        ctx,
        getRawInput: async () => input,
        signal: connectionSignal(res),
      });
      // Encoded once: measuring the text and then writing it would walk it twice.
      const body = jsonBody(output);
      res.writeHead(successStatusOf(procedureMeta(router, operation.path), output), {
        "Content-Type": "application/json; charset=utf-8",
        ...answerHeaders(router, operation, ctx),
        "Content-Length": body.length,
      });
      res.end(body);
    } catch (cause) {
      const error = asTRPCError(cause);
      if (error.code === "INTERNAL_SERVER_ERROR")
        logger.error({ err: error.cause ?? error, path: found?.operation.path }, "procedure failed");
      sendError(res, toErrorBody(error), answerHeaders(router, found?.operation, ctx));
    }
  };
}

/** A success's status: the procedure's, except 200 for a creation that found the thing already there. */
function successStatusOf(meta: ProcedureMeta | undefined, output: unknown): number {
  const existed = meta?.createdFlag && (output as { created?: boolean } | null)?.created === false;
  return existed ? 200 : (meta?.successStatus ?? 200);
}

/** The headers of any answer to an operation: natter's base headers and the procedure's caching. */
function answerHeaders(router: AppRouter, operation: RestOperation | undefined, ctx: RequestContext | undefined) {
  const paths = operation && [operation.path];
  const type = operation?.type ?? "unknown";
  return { ...BASE_HEADERS, ...responseHeadersFor(router, { paths, errors: [], ctx, type }) };
}

/**
 * Characters a WHATWG URL parser leaves as they are in a path: a target of these alone, without
 * a query, is its own pathname (dot segments were refused by the guards already).
 */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~/%!$&'()*+,;=:@]*$/;

/** The target's path as `new URL` reads it; a plain path (every send's) without parsing a URL. */
function pathnameOf(target: string): string {
  return PLAIN_PATH.test(target) ? target : new URL(`http://127.0.0.1${target}`).pathname;
}

/** The first operation (in the router's order, as trpc-to-openapi matches) whose path matches. */
function findOperation(operations: readonly RestOperation[] | undefined, path: string) {
  for (const operation of operations ?? []) {
    const match = operation.pattern.exec(path);
    // Path parameters arrive percent-encoded (an emoji in a reaction's path); the target was checked to decode.
    if (match) return { operation, pathInput: decodeParams(match.groups) };
  }
  return undefined;
}

function decodeParams(groups: Record<string, string> | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(groups ?? {})) params[name] = decodePathSegment(value);
  return params;
}

/** The body or query part of a call's input, before the path parameters join it. */
function restInput(req: RequestWithBody, operation: RestOperation, query: Record<string, string[]>): object {
  if (operation.usesBody) return req.body as object;
  const input: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(query)) {
    input[key] = values.length === 1 && !operation.arrayKeys.includes(key) ? (values[0] as string) : values;
  }
  return input;
}

/** A thrown value as the TRPCError it is, or an internal error caused by it. */
function asTRPCError(cause: unknown): TRPCError {
  if (cause instanceof Error && cause.name === "TRPCError") return cause as TRPCError;
  const error = new TRPCError({
    message: "Internal server error",
    code: "INTERNAL_SERVER_ERROR",
    cause: cause instanceof Error ? cause : undefined,
  });
  if (cause instanceof Error && cause.stack) error.stack = cause.stack;
  return error;
}

/** Every REST operation of the router by method, each method's in the router's order. */
async function restOperations(router: AppRouter): Promise<Map<string, RestOperation[]>> {
  const openapi = await import("trpc-to-openapi");
  const byMethod = new Map<string, RestOperation[]>();
  const procedures = router._def.procedures as Parameters<typeof openapi.forEachOpenApiProcedure>[0];
  openapi.forEachOpenApiProcedure(procedures, ({ path, type, procedure, meta }) => {
    if (type === "subscription") return;
    const { method } = meta.openapi;
    const usesBody = openapi.acceptsRequestBody(method);
    const schema = openapi.unwrapZodType(openapi.getInputOutputParsers(procedure).inputParser, true);
    const isObject = openapi.zodSupportsCoerce && openapi.instanceofZodTypeObject(schema);
    const arrayKeys = isObject
      ? Object.entries(schema.shape)
          .filter(([, field]) => isArrayField(openapi, field))
          .map(([key]) => key)
      : [];
    const operations = byMethod.get(method) ?? [];
    byMethod.set(method, operations);
    operations.push({
      pattern: exactPathPattern(openapi.normalizePath(meta.openapi.path)),
      path,
      procedure: procedure as AnyProcedure,
      type,
      usesBody,
      takesNoInput: openapi.instanceofZodTypeLikeVoid(schema),
      arrayKeys: usesBody ? [] : arrayKeys,
      coerce: isObject ? () => openapi.coerceSchema(schema) : undefined,
    });
  });
  return byMethod;
}

/**
 * The pattern of a documented path (`/rooms/{roomId}`), `{name}` matching one segment as a
 * named group. Exact, unlike trpc-to-openapi's own matching (which natter does not use for
 * routing): a trailing slash is another path (`DELETE /me/sessions/` must not end sessions),
 * and case matters (`/Admin/Stats` is not `/admin/stats`). Both answer 404.
 */
export function exactPathPattern(documentedPath: string): RegExp {
  const source = documentedPath
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1];
      return name === undefined ? part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : `(?<${name}>[^/]+)`;
    })
    .join("");
  return new RegExp(`^${source}$`);
}

/** Whether a field of an input object is an array, or an optional one. */
function isArrayField(openapi: typeof import("trpc-to-openapi"), field: Parameters<typeof openapi.unwrapZodType>[0]) {
  const inner = openapi.instanceofZodTypeOptional(field) ? field.unwrap() : field;
  return openapi.instanceofZodTypeKind(inner, "array");
}

/**
 * The query of a REST call (each key's values, in order). A key named like an
 * `Object.prototype` member (`?constructor=1`) is no field of any input: it is refused as
 * unknown.
 */
function parseQuery(target: string): Record<string, string[]> {
  const query: Record<string, string[]> = Object.create(null);
  const queryAt = target.indexOf("?");
  if (queryAt === -1) return query;
  for (const [key, value] of new URLSearchParams(target.slice(queryAt))) {
    if (key in Object.prototype) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: key, message: "unknown field" }],
      });
    }
    query[key] = [...(query[key] ?? []), value];
  }
  return query;
}
