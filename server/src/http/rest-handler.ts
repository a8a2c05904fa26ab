import type { IncomingMessage, ServerResponse } from "node:http";
import { LIMITS, NatterError } from "@natter/shared";
import type { TRPCError } from "@trpc/server";
import type { Logger } from "pino";
import type { AppRouter } from "../routers/app-router.js";
import type { Services } from "../services/services.js";
import { toErrorBody } from "../trpc/error-mapping.js";
import { procedureMeta, responseHeadersFor } from "../trpc/procedure-meta.js";
import { httpContextFactory } from "./create-context.js";
import { ResponseRecorder } from "./response-recorder.js";
import { BASE_HEADERS, sendError } from "./responses.js";

/**
 * Serves the REST paths of every procedure with OpenAPI meta; called with the path below the
 * prefix. trpc-to-openapi routes the call, reads its input and runs it, answering into a
 * recorder: a success is written as it answered, but an error is written by natter's one
 * renderer (`toErrorBody`, `sendError`) from the error itself, as every other error is, and the
 * library's own error body (`{message, code: <tRPC code>, ...}`) never leaves.
 */
export function createRestHandler(router: AppRouter, services: Services, logger: Logger) {
  /** The error a call ended with, as the library reports it before answering. */
  const failures = new WeakMap<IncomingMessage, TRPCError>();
  // Made at the first REST call: trpc-to-openapi is over half the server's code, and outside
  // production it generates the whole document to validate the router when a handler is made.
  const createHandler = async () => {
    const { createOpenApiNodeHttpHandler } = await import("trpc-to-openapi");
    return createOpenApiNodeHttpHandler({
      router,
      createContext: httpContextFactory(services, "rest"),
      maxBodySize: LIMITS.maxRequestBodyBytes,
      // Errors take their status and headers from the renderer; this decides successes and caching.
      responseMeta: ({ paths, errors, ctx, type }) => {
        const path = paths?.[0];
        const status = errors.length === 0 && path ? procedureMeta(router, path)?.successStatus : undefined;
        const headers = { ...BASE_HEADERS, ...responseHeadersFor(router, { paths, errors: [], ctx, type }) };
        return { headers, ...(status && { status }) };
      },
      onError: ({ error, path, req }) => {
        failures.set(req, error);
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger.error({ err: error.cause ?? error, path }, "procedure failed");
      },
    });
  };
  let handler: ReturnType<typeof createHandler> | undefined;

  return async (req: IncomingMessage & { query?: unknown }, res: ServerResponse, target: string) => {
    req.url = target;
    req.query = parseQuery(target);
    const recorder = new ResponseRecorder(res);
    // The recorder has the members of a response the library uses (its fetch adapter passes the same).
    handler ??= createHandler();
    await (await handler)(req, recorder as unknown as ServerResponse);
    const { answer } = recorder;
    if (!answer) throw new Error("trpc-to-openapi ended a call without answering");
    const failure = failures.get(req);
    if (failure) {
      const { "Content-Type": _libraryBodyType, ...headers } = answer.headers;
      return sendError(res, toErrorBody(failure), headers);
    }
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  };
}

/**
 * The query of a REST call as trpc-to-openapi reads it (each key's values, in order), parsed
 * here because its own parser throws on a key named like an `Object.prototype` member
 * (`?constructor=1`). Such a key is no field of any input: it is refused as unknown.
 */
function parseQuery(target: string): Record<string, string[]> {
  const query: Record<string, string[]> = Object.create(null);
  const queryAt = target.indexOf("?");
  for (const [key, value] of new URLSearchParams(queryAt === -1 ? "" : target.slice(queryAt))) {
    if (key in Object.prototype) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: key, message: "unknown field" }],
      });
    }
    query[key] = [...(query[key] ?? []), value];
  }
  return query;
}
